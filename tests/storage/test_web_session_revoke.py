"""Signing one browser session out leaves the person's other sessions and tokens alone."""

from __future__ import annotations

import pytest

from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_one_session_is_revoked_once_and_the_others_stay(storage: Storage) -> None:
    # Given two sessions and a token of one employee
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    await storage.tokens.create_session("session-1", alice.id)
    await storage.tokens.create_session("session-2", alice.id)
    await storage.tokens.create_access_token("token-1", alice.id, None, ["read"])

    # When one session signs out (twice)
    first = await storage.tokens.revoke_session("session-1")
    second = await storage.tokens.revoke_session("session-1")

    # Then only that session is revoked, and only the first call changed anything
    assert (first, second) == (True, False)
    revoked, other = await storage.tokens.get_session("session-1"), await storage.tokens.get_session("session-2")
    token = await storage.tokens.get_access_token("token-1")
    assert revoked is not None and revoked.revoked_at is not None
    assert other is not None and other.revoked_at is None
    assert token is not None and token.revoked_at is None
    assert await storage.tokens.revoke_session("never-existed") is False
