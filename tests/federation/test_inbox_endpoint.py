"""POST /inbox: what a remote server gets back for each kind of delivery, and what we store."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from storage.models import AccountKind, NewAccount
from tests.federation.inbound_helpers import (
    ACTIVITY_JSON,
    BASE_URL,
    Harness,
    RemoteServer,
    fixture_actor,
    follow_activity,
    inbox_app,
    key_id_of,
    load_fixture,
    plain_actor,
    rfc9421_headers,
    signed_headers,
)

pytestmark = pytest.mark.anyio

MASTODON = fixture_actor("mastodon/actor-person")
ACTOR = MASTODON["id"]
KEY_ID = key_id_of(MASTODON)
COMPANY = f"{BASE_URL}/users/company"


def follow(actor: str = ACTOR, target: str = COMPANY, n: int = 1) -> dict[str, Any]:
    return follow_activity(actor, target, n=n)


@pytest.fixture
def remote() -> RemoteServer:
    server = RemoteServer()
    server.serve_actor(MASTODON)
    return server


async def stored_count(harness: Harness) -> int:
    return sum((await harness.storage.inbox.count_by_state()).values())


async def test_a_signed_follow_is_accepted_stored_once_and_its_actor_fetched_once(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID)
        second = await harness.post("/inbox", follow(n=2), KEY_ID)

        item = await harness.storage.inbox.get_by_dedupe_key(f"{ACTOR}#follows/1")
        sender = await harness.storage.accounts.get_by_uri(ACTOR)
    assert response.status_code == 202 and response.content == b""
    assert second.status_code == 202
    assert item is not None and item.activity_type == "Follow" and item.key_id == KEY_ID
    assert json.loads(item.body) == follow()
    assert sender is not None and sender.username == "brauca_darradiul"
    assert remote.fetched == [ACTOR]


@pytest.mark.parametrize(
    "fixture",
    ["gotosocial/actor-person-fields", "misskey/actor-person", "akkoma/actor-person", "lemmy/actor-person",
     "lemmy/actor-group"],
)
async def test_actors_of_other_servers_are_verified_the_same_way(tmp_path: Path, fixture: str) -> None:
    actor = fixture_actor(fixture)
    remote = RemoteServer()
    remote.serve_actor(actor)
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(actor["id"]), key_id_of(actor))
    assert response.status_code == 202


async def test_an_unsigned_post_is_refused_and_nothing_is_fetched(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.client.post(
            "/inbox", content=json.dumps(follow()), headers={"Content-Type": ACTIVITY_JSON}
        )
        count = await stored_count(harness)
    assert response.status_code == 401 and count == 0 and remote.requests == []


async def test_a_forged_signature_is_refused_after_at_most_one_key_refresh(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        # Signed with key 1 while the actor publishes key 0: a key fetched just now is not fetched again...
        unknown = await harness.post("/inbox", follow(n=1), KEY_ID, key_number=1)
        fetched_for_unknown = list(remote.fetched)
        # ...a stored one is refreshed once, in case the actor rotated it.
        known = await harness.post("/inbox", follow(n=2), KEY_ID, key_number=1)
        count = await stored_count(harness)
    assert unknown.status_code == known.status_code == 401 and count == 0
    assert fetched_for_unknown == [ACTOR] and remote.fetched == [ACTOR, ACTOR]


async def test_a_tampered_body_is_refused_without_fetching_the_key(tmp_path: Path, remote: RemoteServer) -> None:
    body = json.dumps(follow()).encode()
    headers = signed_headers("/inbox", body, KEY_ID)
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.client.post("/inbox", content=body.replace(b"follows/1", b"follows/9"), headers=headers)
    assert response.status_code == 401 and remote.requests == []


async def test_a_key_of_another_actor_is_refused_as_an_owner_mismatch(
    tmp_path: Path, remote: RemoteServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Given mallory, with a valid key of her own, claiming to be the Mastodon actor
    mallory = plain_actor("https://activitypub.academy/users/mallory", key_number=1)
    remote.serve_actor(mallory)
    async with inbox_app(tmp_path, remote) as harness:
        with caplog.at_level(logging.INFO, logger="server.activitypub.inbox"):
            response = await harness.post("/inbox", follow(), key_id_of(mallory), key_number=1)
        count = await stored_count(harness)
    assert response.status_code == 401 and count == 0
    assert any(getattr(record, "reason", None) == "owner_mismatch" for record in caplog.records)


async def test_a_replayed_request_outside_the_window_is_refused_without_a_fetch(
    tmp_path: Path, remote: RemoteServer
) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID, now=time.time() - 2 * 86400)
    assert response.status_code == 401 and remote.requests == []


async def test_a_body_over_one_megabyte_is_refused(tmp_path: Path, remote: RemoteServer) -> None:
    activity = {**follow(), "padding": "x" * 1_000_001}
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", activity, KEY_ID)
    assert response.status_code == 413 and remote.requests == []


async def test_malformed_json_is_a_bad_request(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", b'{"type": "Follow",', KEY_ID)
        shapeless = await harness.post("/inbox", {"type": "Follow", "object": COMPANY}, KEY_ID)
    assert response.status_code == 400 and shapeless.status_code == 400 and remote.requests == []


@pytest.mark.parametrize("path", ["/inbox", "/users/company/inbox"])
@pytest.mark.parametrize(
    "body", [b"[" * 3000 + b"]" * 3000, b'{"a":' * 3000 + b"1" + b"}" * 3000], ids=["arrays", "objects"]
)
async def test_deeply_nested_json_is_a_bad_request_and_nothing_is_stored(
    tmp_path: Path, remote: RemoteServer, path: str, body: bytes
) -> None:
    # given six kilobytes of nesting, signed, which json.loads alone turns into a RecursionError
    async with inbox_app(tmp_path, remote) as harness:
        # when it is delivered
        response = await harness.post(path, body, KEY_ID)
        stored = await stored_count(harness)
    # then it is refused as a bad request, before any fetch, and nothing is stored
    assert response.status_code == 400
    assert response.json() == {"error": "JSON nested too deeply"}
    assert stored == 0
    assert remote.requests == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/ld+json"])
async def test_other_media_types_are_unsupported(tmp_path: Path, remote: RemoteServer, content_type: str) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID, content_type=content_type)
    assert response.status_code == 415 and remote.requests == []


async def test_ld_json_with_the_activitystreams_profile_is_accepted(tmp_path: Path, remote: RemoteServer) -> None:
    content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID, content_type=content_type)
    assert response.status_code == 202


async def test_a_sender_outside_the_allowlist_is_forbidden(tmp_path: Path, remote: RemoteServer) -> None:
    env = {"INSIDEOUT_FEDERATION_MODE": "allowlist", "INSIDEOUT_FEDERATION_ALLOWED_DOMAINS": "partner.example"}
    async with inbox_app(tmp_path, remote, **env) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID)
    assert response.status_code == 403 and remote.requests == []


async def test_a_sender_on_a_blocked_domain_is_forbidden(tmp_path: Path, remote: RemoteServer) -> None:
    env = {"INSIDEOUT_FEDERATION_BLOCKED_DOMAINS": "activitypub.academy"}
    async with inbox_app(tmp_path, remote, **env) as harness:
        response = await harness.post("/inbox", follow(), KEY_ID)
    assert response.status_code == 403 and remote.requests == []


async def test_a_key_on_a_blocked_domain_is_forbidden_even_for_an_allowed_actor(
    tmp_path: Path, remote: RemoteServer
) -> None:
    env = {"INSIDEOUT_FEDERATION_BLOCKED_DOMAINS": "blocked.example"}
    async with inbox_app(tmp_path, remote, **env) as harness:
        response = await harness.post("/inbox", follow(), "https://blocked.example/users/x#main-key")
    assert response.status_code == 403 and remote.requests == []


async def test_a_delete_from_an_actor_we_never_knew_is_accepted_without_any_fetch(
    tmp_path: Path, remote: RemoteServer
) -> None:
    delete = load_fixture("mastodon/delete-actor")
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", delete, "http://mastodon.example.org/users/admin#main-key")
        count = await stored_count(harness)
    assert response.status_code == 202 and count == 0
    assert remote.requests == []


async def test_a_duplicate_activity_is_accepted_and_stored_once(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        first = await harness.post("/inbox", follow(), KEY_ID)
        again = await harness.post("/inbox", follow(), KEY_ID)
        count = await stored_count(harness)
    assert first.status_code == again.status_code == 202 and count == 1


async def test_a_rotated_key_is_refetched_once_and_then_verifies(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        assert (await harness.post("/inbox", follow(n=1), KEY_ID, key_number=0)).status_code == 202
        # The actor rotates to key 1 under the same key id.
        remote.serve_actor(fixture_actor("mastodon/actor-person", key_number=1))
        response = await harness.post("/inbox", follow(n=2), KEY_ID, key_number=1)
        sender = await harness.storage.accounts.get_by_uri(ACTOR)
    assert response.status_code == 202
    assert remote.fetched == [ACTOR, ACTOR]
    assert sender is not None and "BEGIN PUBLIC KEY" in sender.public_key_pem


async def test_an_rfc9421_signature_is_accepted(tmp_path: Path, remote: RemoteServer) -> None:
    body = json.dumps(follow()).encode()
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.client.post("/inbox", content=body, headers=rfc9421_headers("/inbox", body, KEY_ID))
    assert response.status_code == 202


async def test_a_key_on_a_private_address_is_never_fetched(tmp_path: Path, remote: RemoteServer) -> None:
    actor = "https://evil.example/users/x"
    remote.serve_actor(plain_actor(actor))
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox", follow(actor), f"{actor}#main-key")
    assert response.status_code == 401 and remote.requests == []


async def test_an_exposed_actors_inbox_takes_deliveries(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/users/company/inbox", follow(), KEY_ID)
        company = await harness.storage.accounts.get_local("company")
        item = await harness.storage.inbox.get_by_dedupe_key(f"{ACTOR}#follows/1")
    assert response.status_code == 202
    assert company is not None and item is not None and item.recipient_id == company.id


async def test_a_hidden_actors_inbox_answers_exactly_like_a_missing_one(tmp_path: Path, remote: RemoteServer) -> None:
    async with inbox_app(tmp_path, remote) as harness:
        await harness.storage.accounts.create_local(
            NewAccount(AccountKind.EMPLOYEE, "hidden", "Hidden", "pub", "priv", exposed=False)
        )
        hidden = await harness.post("/users/hidden/inbox", follow(), KEY_ID)
        missing = await harness.post("/users/nobody/inbox", follow(), KEY_ID)
        unsigned = await harness.client.post("/users/hidden/inbox", content=b"x")

    def shape(response: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
        headers = sorted((k, v) for k, v in response.headers.items() if k != "x-request-id")
        return response.status_code, response.content, headers

    assert hidden.status_code == 404
    assert shape(hidden) == shape(missing)
    assert unsigned.status_code == 404
    assert remote.requests == []


async def test_a_signature_over_a_trailing_slash_path_verifies(tmp_path: Path, remote: RemoteServer) -> None:
    """Routing ignores the trailing slash, but the signature covers the path exactly as the peer sent it."""
    async with inbox_app(tmp_path, remote) as harness:
        response = await harness.post("/inbox/", follow(), KEY_ID)
    assert response.status_code == 202
