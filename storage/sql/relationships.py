"""Blocks, mutes and private notes about other accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.clock import to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Account, Page
from storage.sql.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sql.database import Database
from storage.sql.paging import newest_first, page_clause


class SqlRelationshipStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def block(self, account_id: int, target_account_id: int, *, uri: str | None = None) -> None:
        await self._db.execute(
            "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, target_account_id) DO NOTHING",
            (self._ids.next_id(), account_id, target_account_id, uri, to_db(utcnow())),
        )

    async def unblock(self, account_id: int, target_account_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM blocks WHERE account_id = ? AND target_account_id = ?", (account_id, target_account_id)
        ) > 0

    async def mute(
        self, account_id: int, target_account_id: int, *, notifications: bool = True,
        expires_at: datetime | None = None,
    ) -> None:
        await self._db.execute(
            "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, target_account_id) DO UPDATE SET"
            " hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
            (self._ids.next_id(), account_id, target_account_id, int(notifications),
             to_db(expires_at) if expires_at else None, to_db(utcnow())),
        )

    async def unmute(self, account_id: int, target_account_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM mutes WHERE account_id = ? AND target_account_id = ?", (account_id, target_account_id)
        ) > 0

    async def set_note(self, account_id: int, target_account_id: int, comment: str) -> None:
        if comment:
            await self._db.execute(
                "INSERT INTO account_notes (account_id, target_account_id, comment) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = excluded.comment",
                (account_id, target_account_id, comment),
            )
        else:
            await self._db.execute(
                "DELETE FROM account_notes WHERE account_id = ? AND target_account_id = ?",
                (account_id, target_account_id),
            )

    async def note(self, account_id: int, target_account_id: int) -> str:
        row = await self._db.fetch_one(
            "SELECT comment FROM account_notes WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
        return str(row["comment"]) if row else ""

    async def blocked_ids(self, account_id: int) -> frozenset[int]:
        """Accounts hidden from ``account_id`` by a block in either direction."""
        rows = await self._db.fetch_all(
            "SELECT target_account_id FROM blocks WHERE account_id = ?"
            " UNION SELECT account_id FROM blocks WHERE target_account_id = ?",
            (account_id, account_id),
        )
        return frozenset(row[0] for row in rows)

    async def muted_ids(self, account_id: int, *, notifications_only: bool = False) -> frozenset[int]:
        extra = " AND hide_notifications = 1" if notifications_only else ""
        rows = await self._db.fetch_all(
            "SELECT target_account_id FROM mutes WHERE account_id = ?"
            f" AND (expires_at IS NULL OR expires_at > ?){extra}",
            (account_id, to_db(utcnow())),
        )
        return frozenset(row[0] for row in rows)

    async def blocking(self, account_id: int, page: Page) -> Sequence[Account]:
        return await self._listed("blocks", account_id, page)

    async def muting(self, account_id: int, page: Page) -> Sequence[Account]:
        return await self._listed("mutes", account_id, page)

    async def _listed(self, table: str, account_id: int, page: Page) -> Sequence[Account]:
        where, params, order = page_clause(f"{table}.id", page)
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS}, {table}.id AS rel_id FROM {table}"
            f" JOIN accounts ON accounts.id = {table}.target_account_id"
            f" WHERE {table}.account_id = ? AND {where} {order}",
            (account_id, *params),
        )
        accounts = {row["rel_id"]: account_from_row(row) for row in rows}
        return [accounts[i] for i in newest_first(list(accounts), page)]
