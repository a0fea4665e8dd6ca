"""The inbox queue on SQLite: verified activities waiting for their handler."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import InboxItem, InboxState, NewInboxItem
from storage.sqlite.database import SqliteDatabase

INBOX_COLUMNS = (
    "id, dedupe_key, activity_id, activity_type, actor_uri, key_id, recipient_id, body, state, attempts,"
    " next_attempt, locked_until, last_error, note, received_at, updated_at"
)


def inbox_item_from_row(row: sqlite3.Row) -> InboxItem:
    return InboxItem(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        activity_id=row["activity_id"],
        activity_type=row["activity_type"],
        actor_uri=row["actor_uri"],
        key_id=row["key_id"],
        recipient_id=row["recipient_id"],
        body=row["body"],
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        next_attempt=from_db(row["next_attempt"]),
        locked_until=from_db(row["locked_until"]) if row["locked_until"] else None,
        last_error=row["last_error"],
        note=row["note"],
        received_at=from_db(row["received_at"]),
        updated_at=from_db(row["updated_at"]),
    )


class SqliteInboxStore:
    def __init__(self, database: SqliteDatabase, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, item: NewInboxItem) -> InboxItem | None:
        now = to_db(utcnow())
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"INSERT INTO inbox_items (id, dedupe_key, activity_id, activity_type, actor_uri, key_id,"
                f" recipient_id, body, state, next_attempt, received_at, updated_at)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
                f" ON CONFLICT (dedupe_key) DO NOTHING RETURNING {INBOX_COLUMNS}",
                (self._ids.next_id(), item.dedupe_key, item.activity_id, item.activity_type, item.actor_uri,
                 item.key_id, item.recipient_id, item.body, now, now, now),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return inbox_item_from_row(row) if row else None

    async def get(self, item_id: int) -> InboxItem | None:
        row = await self._db.fetch_one(f"SELECT {INBOX_COLUMNS} FROM inbox_items WHERE id = ?", (item_id,))
        return inbox_item_from_row(row) if row else None

    async def get_by_dedupe_key(self, dedupe_key: str) -> InboxItem | None:
        row = await self._db.fetch_one(
            f"SELECT {INBOX_COLUMNS} FROM inbox_items WHERE dedupe_key = ?", (dedupe_key,)
        )
        return inbox_item_from_row(row) if row else None

    async def claim_due(self, limit: int, lease_seconds: float) -> Sequence[InboxItem]:
        now = utcnow()
        stamp = to_db(now)
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"UPDATE inbox_items SET locked_until = ?, attempts = attempts + 1, updated_at = ?"
                f" WHERE id IN (SELECT id FROM inbox_items WHERE state = 'pending' AND next_attempt <= ?"
                f" AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt, id LIMIT ?)"
                f" RETURNING {INBOX_COLUMNS}",
                (to_db(now + timedelta(seconds=lease_seconds)), stamp, stamp, stamp, limit),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        return sorted((inbox_item_from_row(row) for row in rows), key=lambda item: (item.next_attempt, item.id))

    async def mark_done(self, item_id: int, note: str | None = None) -> None:
        await self._db.execute(
            "UPDATE inbox_items SET state = 'done', locked_until = NULL, note = ?, updated_at = ? WHERE id = ?",
            (note, to_db(utcnow()), item_id),
        )

    async def mark_retry(self, item_id: int, delay_seconds: float, error: str) -> None:
        now = utcnow()
        await self._db.execute(
            "UPDATE inbox_items SET state = 'pending', locked_until = NULL, next_attempt = ?, last_error = ?,"
            " updated_at = ? WHERE id = ?",
            (to_db(now + timedelta(seconds=delay_seconds)), error, to_db(now), item_id),
        )

    async def mark_failed(self, item_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE inbox_items SET state = 'failed', locked_until = NULL, last_error = ?, updated_at = ?"
            " WHERE id = ?",
            (error, to_db(utcnow()), item_id),
        )

    async def count_by_state(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT state, count(*) AS n FROM inbox_items GROUP BY state")
        return {row["state"]: int(row["n"]) for row in rows}
