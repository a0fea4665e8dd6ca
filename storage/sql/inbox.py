"""The inbox queue: verified activities waiting for their handler."""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Sequence
from datetime import timedelta

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import InboxItem, InboxState, NewInboxItem
from storage.sql.database import Database, Row

INBOX_COLUMNS = (
    "id, dedupe_key, activity_id, activity_type, actor_uri, key_id, recipient_id, body, state, attempts,"
    " next_attempt, locked_until, last_error, note, received_at, updated_at"
)


def inbox_item_from_row(row: Row) -> InboxItem:
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


class SqlInboxStore:
    """Inbox rows; ``add`` commits concurrent inserts together (group commit).

    Every inbox POST inserts one row, and SQLite has one writer: a
    transaction per row caps the inbox at the commit rate. Callers arriving
    while a batch commits wait for the next batch, so a burst costs a few
    commits instead of one each.
    """

    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids
        self._queued: list[tuple[int, NewInboxItem, asyncio.Future[InboxItem | None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, item: NewInboxItem) -> InboxItem | None:
        if self._db.in_transaction():
            # Joining the caller's transaction: a batch in another task would wait for its lock forever.
            return (await self._insert([(self._ids.next_id(), item)])).get(item.dedupe_key)
        future: asyncio.Future[InboxItem | None] = asyncio.get_running_loop().create_future()
        self._queued.append((self._ids.next_id(), item, future))
        if self._flusher is None or self._flusher.done():
            # A fresh context, so the flusher never inherits some caller's transaction.
            self._flusher = asyncio.create_task(self._flush(), context=contextvars.Context())
        return await future

    async def _flush(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                inserted = await self._insert([(item_id, item) for item_id, item, _ in batch])
            except BaseException as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for item_id, item, future in batch:
                row = inserted.get(item.dedupe_key)
                if not future.done():
                    future.set_result(row if row is not None and row.id == item_id else None)

    async def _insert(self, items: list[tuple[int, NewInboxItem]]) -> dict[str, InboxItem]:
        """Insert what is new; returns the rows this call inserted, by dedupe key."""
        now = to_db(utcnow())
        async with self._db.write() as connection:
            await connection.executemany(
                "INSERT INTO inbox_items (id, dedupe_key, activity_id, activity_type, actor_uri, key_id,"
                " recipient_id, body, state, next_attempt, received_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                [(item_id, i.dedupe_key, i.activity_id, i.activity_type, i.actor_uri, i.key_id, i.recipient_id,
                  i.body, now, now, now) for item_id, i in items],
            )
            ids = [item_id for item_id, _ in items]
            rows = await connection.execute_fetchall(
                f"SELECT {INBOX_COLUMNS} FROM inbox_items WHERE id IN {self._db.dialect.elements()}",
                (json.dumps(ids),),
            )
        return {row["dedupe_key"]: inbox_item_from_row(row) for row in rows}

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
                f" AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt, id LIMIT ?"
                f" {self._db.dialect.skip_locked})"
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
