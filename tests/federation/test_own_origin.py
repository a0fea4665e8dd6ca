"""Our own origin is never remote: ours arrives by inbox as a forgery, is never fetched and never stored.

The review's reproduction: an inbox POST whose ``actor``/``keyId`` name one
of our own actors made the server fetch its own actor document and keep it
as a remote account holding alice's real key; staff then found
``alice@local.example`` in search, and a Follow was queued for our own
inbox. Here the fake fediverse serves alice's real document at her URL, as
our own server would, so that any fetch of it succeeds if it is ever tried.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from activitypub.errors import OwnOrigin
from federation.http import build_http_client
from federation.resolve import FederationResolver
from server.http_client import outbound_settings
from server.services.statuses import StatusDraft
from storage.models import Role
from tests.federation.inbound_helpers import (
    ACTIVITY_JSON,
    BASE_URL,
    Harness,
    RemoteServer,
    fixture_actor,
    follow_activity,
    inbox_app,
    key_id_of,
    plain_actor,
    resolve,
)
from tests.server.helpers import settings_for

pytestmark = pytest.mark.anyio

ALICE = f"{BASE_URL}/users/alice"
ALICE_KEY = f"{ALICE}#main-key"
PARTNER = fixture_actor("mastodon/actor-person")


def follow(actor: str, *, activity_id: str | None = None, target: str = f"{BASE_URL}/users/company") -> dict[str, Any]:
    return follow_activity(actor, target, activity_id=activity_id)


@pytest.fixture
def remote() -> RemoteServer:
    server = RemoteServer()
    # What our own server answers for alice: her real actor document, with a key that verifies.
    server.serve_actor(plain_actor(ALICE))
    server.serve_actor(PARTNER)
    return server


async def with_alice(harness: Harness) -> None:
    await harness.app.state.insideout.services.accounts.create_employee(
        "alice", "alice@local.example", "long enough password")


async def remote_copies_of_our_host(harness: Harness) -> list[str]:
    """Every account stored as remote whose domain is our own."""
    found = []
    for uri in (ALICE, f"{BASE_URL}/users/company"):
        account = await harness.storage.accounts.get_by_uri(uri)
        if account is not None and not account.is_local:
            found.append(account.uri or "")
    if await harness.storage.accounts.find_remote("alice", "local.example") is not None:
        found.append("alice@local.example")
    if await harness.storage.accounts.get_by_key_id(ALICE_KEY) is not None:
        found.append(ALICE_KEY)
    return found


@pytest.mark.parametrize("signed_by", ["unsigned", "alice's key id", "partner's key id"])
async def test_an_inbox_post_naming_our_own_actor_is_refused_before_any_fetch(
    tmp_path: Path, remote: RemoteServer, signed_by: str
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await with_alice(harness)
        activity = follow(ALICE)
        # When a partner posts a Follow "from" alice: unsigned, signed claiming her key, or with its own key
        if signed_by == "unsigned":
            response = await harness.client.post(
                "/inbox", content=json.dumps(activity), headers={"Content-Type": ACTIVITY_JSON})
        else:
            key_id = ALICE_KEY if signed_by == "alice's key id" else key_id_of(PARTNER)
            response = await harness.post("/inbox", activity, key_id)
        stored = sum((await harness.storage.inbox.count_by_state()).values())
        copies = await remote_copies_of_our_host(harness)

    # Then it is refused, nothing of ours was fetched, nothing stored, and no remote copy of alice exists
    assert response.status_code == 401
    assert [url for url in remote.fetched if url.startswith(BASE_URL)] == []
    assert stored == 0
    assert copies == []


async def test_a_partner_key_id_on_our_origin_is_refused_for_a_partner_actor_too(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await with_alice(harness)
        response = await harness.post("/inbox", follow(PARTNER["id"]), ALICE_KEY)
    assert response.status_code == 401
    assert remote.requests == []


async def test_the_remote_actor_resolver_refuses_our_own_uris_without_fetching(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await with_alice(harness)
        actors = harness.app.state.insideout.services.remote_actors
        attempts = {
            "resolve": lambda: actors.resolve(ALICE),
            "resolve over http": lambda: actors.resolve("http://local.example/users/alice"),
            "resolve with the default port": lambda: actors.resolve("https://LOCAL.example:443/users/alice"),
            "key_for": lambda: actors.key_for(ALICE_KEY),
            "fetch_actor": lambda: actors.fetch_actor(ALICE),
            "fetch_object": lambda: actors.fetch_object(f"{BASE_URL}/users/alice/statuses/1"),
        }
        refused = []
        for name, attempt in attempts.items():
            with pytest.raises(OwnOrigin):
                await attempt()
            refused.append(name)
        copies = await remote_copies_of_our_host(harness)
    assert refused == list(attempts)
    assert remote.requests == []
    assert copies == []


async def test_the_outbound_client_never_requests_our_own_origin_even_through_a_redirect(
    tmp_path: Path, remote: RemoteServer
) -> None:
    redirect = "https://partner.example/go"

    async def handler(request: httpx.Request) -> httpx.Response:
        remote.requests.append(request)
        if str(request.url) == redirect:
            return httpx.Response(302, headers={"location": ALICE})
        return httpx.Response(200, json=plain_actor(ALICE), headers={"content-type": ACTIVITY_JSON})

    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL)
    async with build_http_client(outbound_settings(settings), transport=httpx.MockTransport(handler),
                                 resolver=resolve) as http:
        with pytest.raises(OwnOrigin):
            await http.get_json(ALICE)
        with pytest.raises(OwnOrigin):
            await http.post(f"{BASE_URL}/inbox", b"{}", {"Content-Type": ACTIVITY_JSON})
        with pytest.raises(OwnOrigin):
            await http.get_json(redirect)
    assert [str(r.url) for r in remote.requests] == [redirect]


async def test_storage_never_keeps_a_remote_account_on_our_origin(tmp_path: Path, remote: RemoteServer) -> None:
    from activitypub.parse import parse_actor
    from federation.actors import profile_from_actor
    from tests.federation.inbound_helpers import SANITIZER

    async with inbox_app(tmp_path, remote) as harness:
        await with_alice(harness)
        profile = profile_from_actor(parse_actor(plain_actor(ALICE)), SANITIZER)
        with pytest.raises(OwnOrigin):
            await harness.storage.accounts.upsert_remote(profile)
        copies = await remote_copies_of_our_host(harness)
    assert copies == []


async def test_a_handle_on_our_own_domain_is_never_looked_up_outside(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await with_alice(harness)
        state = harness.app.state.insideout
        resolver = FederationResolver(harness.storage, state.http, state.services.remote_actors, BASE_URL)
        found = await resolver.resolve_handle("alice", "local.example")
        copies = await remote_copies_of_our_host(harness)
    assert found is None
    assert remote.requests == []
    assert copies == []


# -- activity ids on another origin (review point 5) -------------------------------------------


@pytest.mark.parametrize("kind", ["Announce", "Like", "Follow"])
async def test_an_activity_whose_id_is_on_our_domain_is_refused_and_never_squats_a_uri(
    tmp_path: Path, remote: RemoteServer, kind: str
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        services = harness.app.state.insideout.services
        author = (await services.accounts.create_employee(
            "alice", "alice@local.example", "long enough password", role=Role.PUBLISHER)).account
        status = await services.statuses.create(author, StatusDraft(text="for everyone, twice"))
        first = await services.publication.publish(status.id, by="test")
        await services.publication.unpublish(status.id, by="test")
        # Given the URI a re-publication would mint, claimed by the partner as its activity's id
        squatted = first.uri + "-2"
        target = first.uri if kind != "Follow" else f"{BASE_URL}/users/company"
        activity = {**follow(PARTNER["id"], activity_id=squatted, target=target), "type": kind}
        response = await harness.post("/inbox", activity, key_id_of(PARTNER))
        stored = sum((await harness.storage.inbox.count_by_state()).values())
        # Then publishing again still mints its URI
        again = await services.publication.publish(status.id, by="test")
    assert response.status_code == 400
    assert stored == 0
    assert again.uri == squatted


async def test_an_activity_id_on_a_third_server_is_refused(tmp_path: Path, remote: RemoteServer) -> None:
    activity = follow(PARTNER["id"], activity_id="https://third.example/activities/1")
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", activity, key_id_of(PARTNER))
    assert response.status_code == 400
