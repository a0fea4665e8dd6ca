"""Conformance: one-time password links work once, until they expire, and a newer link voids the older ones."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.models import NewUser
from storage.password_links import LinkPurpose, NewPasswordLink
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


async def alice(storage: Storage) -> int:
    account = await storage.accounts.create_local(new_account("alice"), NewUser("alice@corp.example", "!"))
    return account.id


def link(account_id: int, digest: str, *, days: int = 7, purpose: LinkPurpose = LinkPurpose.INVITE) -> NewPasswordLink:
    return NewPasswordLink(account_id, digest, purpose, "user:1", utcnow() + timedelta(days=days))


async def test_a_link_is_stored_by_digest_and_works_once(storage: Storage) -> None:
    account_id = await alice(storage)
    stored = await storage.password_links.add(link(account_id, "d1"))

    first = await storage.password_links.use("d1", utcnow())
    second = await storage.password_links.use("d1", utcnow())

    assert stored.account_id == account_id
    assert stored.purpose is LinkPurpose.INVITE
    assert stored.used_at is None
    assert first is not None and first.id == stored.id
    assert second is None
    kept = await storage.password_links.get("d1")
    assert kept is not None and kept.used_at is not None


async def test_an_expired_link_is_not_used(storage: Storage) -> None:
    account_id = await alice(storage)
    await storage.password_links.add(link(account_id, "old", days=-1))

    assert await storage.password_links.use("old", utcnow()) is None
    assert await storage.password_links.use("unknown", utcnow()) is None


async def test_a_new_link_voids_the_older_unused_ones(storage: Storage) -> None:
    account_id = await alice(storage)
    await storage.password_links.add(link(account_id, "first"))
    await storage.password_links.add(link(account_id, "second", purpose=LinkPurpose.RESET))

    assert await storage.password_links.use("first", utcnow()) is None
    used = await storage.password_links.use("second", utcnow())
    assert used is not None and used.purpose is LinkPurpose.RESET


async def test_voiding_an_accounts_links(storage: Storage) -> None:
    account_id = await alice(storage)
    await storage.password_links.add(link(account_id, "pending"))

    assert await storage.password_links.void_for_account(account_id, utcnow()) == 1
    assert await storage.password_links.use("pending", utcnow()) is None


async def test_two_racing_uses_of_one_link_succeed_once(storage: Storage) -> None:
    account_id = await alice(storage)
    await storage.password_links.add(link(account_id, "race"))

    results = await asyncio.gather(*(storage.password_links.use("race", utcnow()) for _ in range(4)))

    assert sum(1 for r in results if r is not None) == 1
