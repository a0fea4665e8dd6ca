"""What the settings pages list and end: a person's own tokens, sessions and uploads, never anyone else's."""

from __future__ import annotations

import pytest

from storage.media import NewMedia
from storage.models import Account, Page
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def two_people(storage: Storage) -> tuple[Account, Account]:
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    bob = await storage.accounts.create_local(new_account("bob"), new_user("b@example.com"))
    return alice, bob


async def test_live_tokens_are_the_accounts_own_newest_first(storage: Storage) -> None:
    # Given two tokens of alice (one revoked later), one of bob and an app's own
    alice, bob = await two_people(storage)
    older = await storage.tokens.create_access_token("t-1", alice.id, None, ["read"])
    newer = await storage.tokens.create_access_token("t-2", alice.id, None, ["read", "write"])
    revoked = await storage.tokens.create_access_token("t-3", alice.id, None, ["read"])
    await storage.tokens.create_access_token("t-4", bob.id, None, ["read"])
    await storage.tokens.create_access_token("t-5", None, None, ["read"])
    await storage.tokens.revoke_access_token("t-3")

    # When alice's live tokens are listed
    listed = await storage.tokens.live_tokens_of(alice.id)

    # Then they are hers and unrevoked, newest first
    assert [t.id for t in listed] == [newer.id, older.id]
    assert revoked.id not in [t.id for t in listed]


async def test_a_token_is_revoked_only_by_its_owner_and_once(storage: Storage) -> None:
    alice, bob = await two_people(storage)
    token = await storage.tokens.create_access_token("t-1", alice.id, None, ["read"])

    assert await storage.tokens.revoke_token_of(bob.id, token.id) is False
    still = await storage.tokens.get_access_token("t-1")
    assert still is not None
    assert still.revoked_at is None
    assert await storage.tokens.revoke_token_of(alice.id, token.id) is True
    assert await storage.tokens.revoke_token_of(alice.id, token.id) is False
    gone = await storage.tokens.get_access_token("t-1")
    assert gone is not None
    assert gone.revoked_at is not None
    assert await storage.tokens.revoke_token_of(alice.id, 123456789) is False


async def test_sessions_are_listed_and_signed_out_only_by_their_owner(storage: Storage) -> None:
    alice, bob = await two_people(storage)
    first = await storage.tokens.create_session("s-1", alice.id)
    second = await storage.tokens.create_session("s-2", alice.id)
    theirs = await storage.tokens.create_session("s-3", bob.id)

    assert [s.id for s in await storage.tokens.live_sessions_of(alice.id)] == [second.id, first.id]
    assert await storage.tokens.revoke_session_of(alice.id, theirs.id) is False
    assert await storage.tokens.revoke_session_of(alice.id, first.id) is True
    assert await storage.tokens.revoke_session_of(alice.id, first.id) is False
    assert [s.id for s in await storage.tokens.live_sessions_of(alice.id)] == [second.id]
    assert [s.id for s in await storage.tokens.live_sessions_of(bob.id)] == [theirs.id]


def upload(owner: Account, token: str) -> NewMedia:
    return NewMedia(owner.id, "image", token, "original.jpg", "small.jpg", "image/jpeg", None, (0.0, 0.0), None, {})


async def test_uploads_are_paged_newest_first_and_only_the_owners(storage: Storage) -> None:
    alice, bob = await two_people(storage)
    made = [await storage.media.create(upload(alice, letter * 32)) for letter in "abc"]
    await storage.media.create(upload(bob, "d" * 32))

    first_page = await storage.media.uploaded_by(alice.id, Page(limit=2))
    second_page = await storage.media.uploaded_by(alice.id, Page(limit=2, max_id=first_page[-1].id))

    assert [m.id for m in first_page] == [made[2].id, made[1].id]
    assert [m.id for m in second_page] == [made[0].id]
    assert await storage.media.uploaded_by(alice.id, Page(limit=2, max_id=made[0].id)) == []
