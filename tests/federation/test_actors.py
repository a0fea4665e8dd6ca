"""The remote actor resolver: fetch, believe a document only about its own origin, store, cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from activitypub.errors import BlockedDestination, Gone
from federation.actors import RemoteActors, UnusableActor
from server.config import Settings
from storage import open_storage
from storage.models import AccountKind
from storage.protocols import Storage
from tests.federation.inbound_helpers import (
    SANITIZER,
    RemoteServer,
    fixture_actor,
    pem,
    plain_actor,
    remote_actors,
    remote_client,
)
from tests.server.helpers import settings_for

pytestmark = pytest.mark.anyio

ALICE = "https://remote.example/users/alice"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://local.example")


@pytest.fixture
async def storage(settings: Settings) -> AsyncIterator[Storage]:
    store = open_storage(settings.storage.database)
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def remote() -> RemoteServer:
    return RemoteServer()


@pytest.fixture
def actors(storage: Storage, settings: Settings, remote: RemoteServer) -> RemoteActors:
    return remote_actors(storage, settings, remote)


@pytest.mark.parametrize(
    ("fixture", "username", "domain", "actor_type"),
    [
        ("mastodon/actor-person", "brauca_darradiul", "activitypub.academy", "Person"),
        ("gotosocial/actor-person-fields", "1happyturtle", "localhost:8080", "Person"),
        ("misskey/actor-person", "aimu", "misskey.io", "Person"),
        ("akkoma/actor-person", "helene", "p.helene.moe", "Person"),
        ("lemmy/actor-person", "picard", "enterprise.lemmy.ml", "Person"),
        ("lemmy/actor-group", "tenforward", "enterprise.lemmy.ml", "Group"),
    ],
)
async def test_real_actor_documents_are_stored_as_remote_accounts(
    actors: RemoteActors, remote: RemoteServer, fixture: str, username: str, domain: str, actor_type: str
) -> None:
    document = fixture_actor(fixture)
    remote.serve_actor(document)

    account = await actors.resolve(document["id"])

    assert account.kind is AccountKind.REMOTE and account.uri == document["id"]
    assert (account.username, account.domain, account.actor_type) == (username, domain, actor_type)
    assert account.key_id == document["publicKey"]["id"] and account.public_key_pem == pem()
    assert account.inbox_url == document["inbox"]
    assert remote.fetched == [document["id"]]


async def test_profile_text_is_sanitised_before_it_is_stored(actors: RemoteActors, remote: RemoteServer) -> None:
    remote.serve_actor(plain_actor(ALICE, name="<b>Alice</b><script>x()</script>", summary='<p onclick="x()">hi<script>bad()</script></p>'))

    account = await actors.resolve(ALICE)

    assert account.display_name == "Alice"
    assert "script" not in account.note and "onclick" not in account.note and "hi" in account.note


async def test_fetches_are_signed_as_the_instance_actor_when_a_signer_is_given(
    storage: Storage, settings: Settings, remote: RemoteServer
) -> None:
    from federation.actors import instance_actor_signer

    await storage.instance.set_meta("base_url", settings.base_url)
    signer = instance_actor_signer(storage, settings.base_url)
    actors = RemoteActors(storage, remote_client(settings, remote), signer, sanitize=SANITIZER)
    remote.serve_actor(plain_actor(ALICE))

    await actors.resolve(ALICE)

    signature = remote.requests[0].headers["signature"]
    assert 'keyId="https://local.example/actor#main-key"' in signature
    assert remote.requests[0].headers["accept"].startswith("application/activity+json")


async def test_concurrent_resolves_of_one_uri_fetch_it_once(actors: RemoteActors, remote: RemoteServer) -> None:
    remote.serve_actor(plain_actor(ALICE))

    accounts = await asyncio.gather(*(actors.resolve(ALICE) for _ in range(8)))

    assert len({account.id for account in accounts}) == 1
    assert remote.fetched == [ALICE]


async def test_a_stored_actor_is_reused_until_the_ttl_runs_out(
    storage: Storage, settings: Settings, remote: RemoteServer
) -> None:
    now = [datetime.now(UTC)]
    actors = RemoteActors(storage, remote_client(settings, remote), None, sanitize=SANITIZER, clock=lambda: now[0])
    remote.serve_actor(plain_actor(ALICE))

    await actors.resolve(ALICE)
    await actors.resolve(ALICE)
    now[0] += timedelta(hours=25)
    await actors.resolve(ALICE)

    assert remote.fetched == [ALICE, ALICE]


async def test_a_document_claiming_another_id_is_refetched_from_that_id(
    actors: RemoteActors, remote: RemoteServer
) -> None:
    # Given a URL whose document claims to be someone else on the same server
    real = "https://remote.example/users/real"
    remote.serve("https://remote.example/@alias", plain_actor(real))
    remote.serve_actor(plain_actor(real))

    account = await actors.resolve("https://remote.example/@alias")

    assert account.uri == real
    assert remote.fetched == ["https://remote.example/@alias", real]


async def test_a_document_claiming_an_id_on_another_origin_is_refused_without_a_second_fetch(
    actors: RemoteActors, remote: RemoteServer
) -> None:
    # CVE-2024-23832: an upload on attacker.example claiming to be a victim's actor
    remote.serve("https://attacker.example/uploads/doc.json", plain_actor("https://victim.example/users/v"))

    with pytest.raises(UnusableActor):
        await actors.resolve("https://attacker.example/uploads/doc.json")

    assert remote.fetched == ["https://attacker.example/uploads/doc.json"]


async def test_the_refetched_document_must_be_served_at_its_own_id(actors: RemoteActors, remote: RemoteServer) -> None:
    remote.serve("https://remote.example/a", plain_actor("https://remote.example/b"))
    remote.serve("https://remote.example/b", plain_actor("https://remote.example/c"))

    with pytest.raises(UnusableActor):
        await actors.resolve("https://remote.example/a")

    assert remote.fetched == ["https://remote.example/a", "https://remote.example/b"]


async def test_a_key_owned_by_someone_else_is_refused(actors: RemoteActors, remote: RemoteServer, storage: Storage) -> None:
    document = plain_actor(ALICE)
    document["publicKey"]["owner"] = "https://remote.example/users/bob"
    remote.serve_actor(document)

    with pytest.raises(UnusableActor):
        await actors.resolve(ALICE)

    assert await storage.accounts.get_by_uri(ALICE) is None


async def test_a_key_on_another_origin_is_refused(actors: RemoteActors, remote: RemoteServer) -> None:
    document = plain_actor(ALICE)
    document["publicKey"]["id"] = "https://other.example/keys/1"
    remote.serve_actor(document)

    with pytest.raises(UnusableActor):
        await actors.resolve(ALICE)


async def test_a_mastodon_key_id_resolves_through_the_actor_document(actors: RemoteActors, remote: RemoteServer) -> None:
    remote.serve_actor(fixture_actor("mastodon/actor-person"))
    key_id = "https://activitypub.academy/users/brauca_darradiul#main-key"

    account = await actors.key_for(key_id)
    again = await actors.key_for(key_id)

    assert account.key_id == key_id and again.id == account.id
    assert remote.fetched == ["https://activitypub.academy/users/brauca_darradiul"]


async def test_a_gotosocial_key_url_serving_the_actor_is_followed_to_the_actor(
    actors: RemoteActors, remote: RemoteServer
) -> None:
    document = fixture_actor("gotosocial/actor-person-moved")
    key_url = "http://localhost:8080/users/the_mighty_zork/main-key"
    remote.serve(key_url, document)
    remote.serve_actor(document)

    account = await actors.key_for(key_url)

    assert account.uri == "http://localhost:8080/users/the_mighty_zork" and account.key_id == key_url
    assert remote.fetched == [key_url, "http://localhost:8080/users/the_mighty_zork"]


async def test_a_key_document_leads_to_its_owner(actors: RemoteActors, remote: RemoteServer) -> None:
    key_url = f"{ALICE}/main-key"
    owner = plain_actor(ALICE)
    owner["publicKey"]["id"] = key_url
    remote.serve(key_url, {"id": key_url, "type": "CryptographicKey", "owner": ALICE, "publicKeyPem": pem()})
    remote.serve_actor(owner)

    account = await actors.key_for(key_url)

    assert account.uri == ALICE and remote.fetched == [key_url, ALICE]


async def test_a_key_document_whose_owner_does_not_publish_it_is_refused(
    actors: RemoteActors, remote: RemoteServer
) -> None:
    key_url = f"{ALICE}/stolen-key"
    remote.serve(key_url, {"id": key_url, "type": "CryptographicKey", "owner": ALICE, "publicKeyPem": pem(1)})
    remote.serve_actor(plain_actor(ALICE))

    with pytest.raises(UnusableActor):
        await actors.key_for(key_url)


async def test_an_actor_on_a_private_address_is_never_fetched(actors: RemoteActors, remote: RemoteServer) -> None:
    remote.serve_actor(plain_actor("https://evil.example/users/x"))

    with pytest.raises(BlockedDestination):
        await actors.resolve("https://evil.example/users/x")

    assert remote.requests == []


async def test_an_actor_on_a_blocked_domain_is_never_fetched(tmp_path: Path, remote: RemoteServer) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_FEDERATION_BLOCKED_DOMAINS="remote.example")
    store = open_storage(settings.storage.database)
    await store.open()
    await store.migrate()
    try:
        with pytest.raises(BlockedDestination):
            await remote_actors(store, settings, remote).resolve(ALICE)
    finally:
        await store.close()
    assert remote.requests == []


async def test_an_actor_answering_410_on_refresh_is_marked_deleted(
    actors: RemoteActors, remote: RemoteServer, storage: Storage
) -> None:
    remote.serve_actor(plain_actor(ALICE))
    account = await actors.resolve(ALICE)
    remote.serve(ALICE, {"error": "gone"}, status=410)

    with pytest.raises(Gone):
        await actors.resolve(ALICE, refresh=True)
    with pytest.raises(Gone):
        await actors.resolve(ALICE)

    stored = await storage.accounts.get(account.id)
    assert stored is not None and stored.deleted_at is not None
