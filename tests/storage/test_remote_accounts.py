"""Remote accounts: stored by URI from fetched documents, found by URI or key id, marked deleted or moved."""

from __future__ import annotations

import pytest

from activitypub.errors import NotFound
from storage.models import AccountKind, RemoteProfile
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


def profile(uri: str = "https://remote.example/users/alice", **overrides: object) -> RemoteProfile:
    fields: dict[str, object] = {
        "uri": uri,
        "username": uri.rsplit("/", 1)[-1],
        "domain": "remote.example",
        "actor_type": "Person",
        "inbox_url": f"{uri}/inbox",
        "display_name": "Alice",
        "note": "<p>hi</p>",
        "shared_inbox_url": "https://remote.example/inbox",
        "key_id": f"{uri}#main-key",
        "public_key_pem": "pem-1",
    }
    fields.update(overrides)
    return RemoteProfile(**fields)  # type: ignore[arg-type]


async def test_a_new_remote_actor_is_stored_and_found_by_uri_and_key_id(storage: Storage) -> None:
    account = await storage.accounts.upsert_remote(profile())

    assert account.kind is AccountKind.REMOTE and not account.is_local
    assert account.acct == "alice@remote.example" and account.actor_type == "Person"
    assert account.fetched_at is not None and account.deleted_at is None and account.private_key_pem is None
    assert await storage.accounts.get_by_uri("https://remote.example/users/alice") == account
    assert await storage.accounts.get_by_key_id("https://remote.example/users/alice#main-key") == account
    assert await storage.accounts.get_by_uri("https://remote.example/users/bob") is None


async def test_upserting_again_refreshes_the_same_row(storage: Storage) -> None:
    first = await storage.accounts.upsert_remote(profile())

    second = await storage.accounts.upsert_remote(profile(display_name="Alice B", public_key_pem="pem-2", locked=True))

    assert second.id == first.id and second.created_at == first.created_at
    assert second.display_name == "Alice B" and second.public_key_pem == "pem-2" and second.locked
    assert second.fetched_at is not None and first.fetched_at is not None and second.fetched_at >= first.fetched_at


async def test_remote_handles_never_collide_with_local_usernames(storage: Storage) -> None:
    local = await storage.accounts.create_local(new_account("alice"))

    remote = await storage.accounts.upsert_remote(profile())

    assert remote.id != local.id
    assert (await storage.accounts.get_local("alice")) == local


async def test_a_newer_actor_takes_a_handle_and_the_older_one_keeps_its_row(storage: Storage) -> None:
    old = await storage.accounts.upsert_remote(profile("https://remote.example/users/alice"))

    new = await storage.accounts.upsert_remote(profile("https://remote.example/u/alice", username="alice"))

    renamed = await storage.accounts.get(old.id)
    assert new.username == "alice" and new.id != old.id
    assert renamed is not None and renamed.username == f"alice~{old.id}" and renamed.uri == old.uri


async def test_a_deleted_remote_account_is_marked_and_revived_by_a_fresh_document(storage: Storage) -> None:
    account = await storage.accounts.upsert_remote(profile())

    assert await storage.accounts.delete_remote(account.id)
    assert not await storage.accounts.delete_remote(account.id)
    deleted = await storage.accounts.get(account.id)
    revived = await storage.accounts.upsert_remote(profile())

    assert deleted is not None and deleted.deleted_at is not None
    assert revived.id == account.id and revived.deleted_at is None


async def test_local_accounts_cannot_be_deleted_or_moved_as_remote_ones(storage: Storage) -> None:
    local = await storage.accounts.create_local(new_account("alice"))

    assert not await storage.accounts.delete_remote(local.id)
    with pytest.raises(NotFound):
        await storage.accounts.set_moved_to(local.id, "https://elsewhere.example/users/a")


async def test_a_move_target_is_recorded_and_can_be_cleared(storage: Storage) -> None:
    account = await storage.accounts.upsert_remote(profile())

    await storage.accounts.set_moved_to(account.id, "https://new.example/users/alice")
    moved = await storage.accounts.get(account.id)
    await storage.accounts.set_moved_to(account.id, None)
    cleared = await storage.accounts.get(account.id)

    assert moved is not None and moved.moved_to_uri == "https://new.example/users/alice"
    assert cleared is not None and cleared.moved_to_uri is None
