"""Actor URLs: content negotiation, the documents per kind, keys that verify, the instance actor."""

from __future__ import annotations

from pathlib import Path

import pytest

from activitypub.parse import parse_actor
from activitypub.signatures import (
    Reason,
    SignedRequest,
    load_private_key_pem,
    load_public_key_pem,
    sign_cavage,
    verify_request,
)
from federation.instance_actor import PRIVATE_KEY_META, load_or_create_instance_actor
from server.activitypub.responses import wants_activity_json
from tests.server.activitypub.world import AP, BASE_URL, DOMAIN, LD, ORG_NAME, running

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (AP, True),
        (LD, True),
        ("application/ld+json", True),
        ("application/json", True),
        (f"{AP}, {LD}", True),
        (f"{LD}, */*;q=0.1", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("*/*", False),
        ("text/html", False),
        (None, False),
        ("", False),
        (f"text/html, {AP};q=0.5", False),
        (f"{AP};q=0", False),
        (f"{AP};q=bogus", False),
    ],
)
def test_content_negotiation_picks_the_actor_json_only_when_asked(accept: str | None, expected: bool) -> None:
    assert wants_activity_json(accept) is expected


@pytest.mark.parametrize("accept", [AP, LD, "application/json"])
@pytest.mark.parametrize("path", ["/users/alice", "/@alice", "/users/ALICE"])
async def test_activitypub_media_types_get_the_actor_document(tmp_path: Path, accept: str, path: str) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True, public_note="Hello outside")
        response = await world.client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    actor = parse_actor(response.json())
    assert (actor.id, actor.type, actor.summary) == (f"{BASE_URL}/users/alice", "Person", "<p>Hello outside</p>")


@pytest.mark.parametrize("accept", ["text/html", "*/*", None])
async def test_browsers_get_an_escaped_html_profile(tmp_path: Path, accept: str | None) -> None:
    async with running(tmp_path) as world:
        await world.employee("alice", exposed=True, public_note='<img src=x onerror="alert(1)">')
        headers = {"Accept": accept} if accept else {}
        response = await world.client.get("/users/alice", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    assert f'<link rel="alternate" type="application/activity+json" href="{BASE_URL}/users/alice">' in response.text
    assert "<h1>Alice</h1>" in response.text and f"@alice@{DOMAIN}" in response.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in response.text
    assert "<img" not in response.text


@pytest.mark.parametrize(
    ("username", "as_type", "approves"),
    [("company", "Organization", False), ("sales", "Group", False), ("alice", "Person", True)],
)
async def test_each_kind_is_served_with_its_type_and_follow_policy(
    tmp_path: Path, username: str, as_type: str, approves: bool
) -> None:
    async with running(tmp_path) as world:
        await world.department("sales", "Sales")
        await world.employee("alice", exposed=True, locked=True)
        document = (await world.client.get(f"/users/{username}", headers={"Accept": AP})).json()
    assert document["type"] == as_type
    assert document["manuallyApprovesFollowers"] is approves
    assert document["discoverable"] is (as_type != "Person")
    assert document["publicKey"]["owner"] == document["id"] == f"{BASE_URL}/users/{username}"


async def test_the_company_is_named_after_the_organisation(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        document = (await world.client.get("/users/company", headers={"Accept": AP})).json()
    assert document["name"] == ORG_NAME


async def test_the_published_key_verifies_a_signature_made_with_the_stored_private_key(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        alice = await world.employee("alice", exposed=True)
        document = (await world.client.get("/users/alice", headers={"Accept": AP})).json()
    assert alice.private_key_pem is not None
    url = "https://partner.example/users/pat"
    signed = sign_cavage("GET", url, {"Host": "partner.example"}, b"", document["publicKey"]["id"],
                         load_private_key_pem(alice.private_key_pem), now=NOW)  # type: ignore[arg-type]
    request = SignedRequest.build("GET", url, {"Host": "partner.example", **signed})
    result = verify_request(request, load_public_key_pem(document["publicKey"]["publicKeyPem"]), now=NOW)
    assert (result.ok, result.reason, result.key_id) == (True, Reason.OK, f"{BASE_URL}/users/alice#main-key")


async def test_a_disabled_employee_who_was_exposed_stays_resolvable(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        await world.employee("carol", exposed=True)
        await world.offboard("carol")
        response = await world.client.get("/users/carol", headers={"Accept": AP})
    assert response.status_code == 200 and response.json()["preferredUsername"] == "carol"


async def test_the_instance_actor_is_an_application_named_after_the_domain(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        response = await world.client.get("/actor")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/activity+json; charset=utf-8"
    actor = parse_actor(response.json())
    assert (actor.id, actor.type, actor.preferred_username) == (f"{BASE_URL}/actor", "Application", DOMAIN)
    assert actor.public_key_id == f"{BASE_URL}/actor#main-key" and actor.public_key_owner == actor.id
    assert actor.manually_approves_followers is True


async def test_the_instance_actor_key_survives_a_restart_and_signs_verifiably(tmp_path: Path) -> None:
    async with running(tmp_path) as world:
        first = (await world.client.get("/actor")).json()["publicKey"]
        stored = await world.storage.instance.get_meta(PRIVATE_KEY_META)
    async with running(tmp_path) as world:
        second = (await world.client.get("/actor")).json()["publicKey"]
        instance = await load_or_create_instance_actor(world.storage)
        assert await world.storage.instance.get_meta(PRIVATE_KEY_META) == stored
    assert first == second
    assert (instance.key_id, instance.id, instance.public_key_pem) == (
        f"{BASE_URL}/actor#main-key", f"{BASE_URL}/actor", first["publicKeyPem"]
    )
    url = "https://partner.example/users/pat"
    signed = sign_cavage("GET", url, {"Host": "partner.example"}, b"", instance.key_id, instance.private_key, now=NOW)
    request = SignedRequest.build("GET", url, {"Host": "partner.example", **signed})
    assert verify_request(request, load_public_key_pem(second["publicKeyPem"]), now=NOW).ok
