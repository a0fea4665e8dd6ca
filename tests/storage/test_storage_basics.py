"""Migrations, transactions, instance facts, token revocation and backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from activitypub.errors import Conflict
from storage.protocols import Storage
from tests.backends import only_on_sqlite
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_migrating_twice_applies_nothing_the_second_time(storage: Storage) -> None:
    assert await storage.migrate() == []
    assert await storage.pending_migrations() == []


async def test_a_failing_transaction_leaves_nothing_half_written(storage: Storage) -> None:
    with pytest.raises(Conflict):
        async with storage.transaction():
            await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
            await storage.instance.set_meta("half", "written")
            await storage.accounts.create_local(new_account("ALICE"))

    assert await storage.accounts.get_local("alice") is None
    assert await storage.instance.get_meta("half") is None


async def test_reads_inside_a_transaction_see_its_writes(storage: Storage) -> None:
    async with storage.transaction():
        account = await storage.accounts.create_local(new_account("alice"))
        assert await storage.accounts.get(account.id) == account


async def test_instance_meta_round_trips_and_overwrites(storage: Storage) -> None:
    assert await storage.instance.get_meta("base_url") is None
    await storage.instance.set_meta("base_url", "https://a.example")
    await storage.instance.set_meta("base_url", "https://b.example")
    assert await storage.instance.get_meta("base_url") == "https://b.example"


async def test_revoking_an_account_with_no_tokens_counts_zero(storage: Storage) -> None:
    account = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    assert await storage.tokens.revoke_all_for_account(account.id) == 0


async def test_ping_answers_when_open(storage: Storage) -> None:
    await storage.ping()


@only_on_sqlite("PostgreSQL is backed up with pg_dump; `insideout export` is the portable copy")
async def test_backup_is_a_complete_readable_copy(storage: Storage, tmp_path: Path) -> None:
    for index in range(50):
        await storage.accounts.create_local(new_account(f"user{index}"), new_user(f"u{index}@example.com"))
    progress: list[tuple[int, int]] = []

    await storage.backup(tmp_path / "copy.sqlite3", progress=lambda status, left, total: progress.append((left, total)))

    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        (count,) = copy.execute("SELECT count(*) FROM accounts").fetchone()
        (check,) = copy.execute("PRAGMA integrity_check").fetchone()
    assert count == 50 and check == "ok"
    assert progress and progress[-1][0] == 0


async def test_tokens_and_sessions_are_found_by_digest_and_revoked_together(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    bob = await storage.accounts.create_local(new_account("bob"), new_user("b@example.com"))
    token = await storage.tokens.create_access_token("digest-a1", alice.id, None, ["read", "write"])
    await storage.tokens.create_access_token("digest-a2", alice.id, None, ["read"])
    await storage.tokens.create_access_token("digest-b1", bob.id, None, ["read"])
    await storage.tokens.create_session("session-a", alice.id)

    assert token.scopes == ("read", "write") and token.revoked_at is None
    assert await storage.tokens.get_access_token("digest-a1") == token
    assert await storage.tokens.get_access_token("unknown") is None

    assert await storage.tokens.revoke_all_for_account(alice.id) == 3
    revoked = await storage.tokens.get_access_token("digest-a2")
    session = await storage.tokens.get_session("session-a")
    assert revoked is not None and revoked.revoked_at is not None
    assert session is not None and session.revoked_at is not None
    untouched = await storage.tokens.get_access_token("digest-b1")
    assert untouched is not None and untouched.revoked_at is None
    assert await storage.tokens.revoke_access_token("digest-b1") is True
    assert await storage.tokens.revoke_access_token("digest-b1") is False
