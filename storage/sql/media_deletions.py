"""Media objects waiting to be deleted: one leased row per key (storage.media_deletions).

Claimed like the other queues: an ``UPDATE ... WHERE key IN (SELECT ... LIMIT ?)`` whose inner select
skips rows another worker has locked on PostgreSQL (``dialect.skip_locked``), so any number of
workers share the queue without taking a row twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.media_deletions import MediaDeletion, MediaDeletionCounts
from storage.sql.database import Database, Row

COLUMNS = "key, due_at, attempts, locked_until, last_error, created_at"
DUE = "due_at <= :now AND (locked_until IS NULL OR locked_until <= :now)"
ERROR_LENGTH = 1000


def deletion_from_row(row: Row) -> MediaDeletion:
    return MediaDeletion(
        key=row["key"], due_at=from_db(row["due_at"]), attempts=int(row["attempts"]),
        locked_until=from_db(row["locked_until"]) if row["locked_until"] else None, last_error=row["last_error"],
        created_at=from_db(row["created_at"]),
    )


class SqlMediaDeletions:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def enqueue(self, keys: Sequence[str], due_at: datetime, now: datetime) -> int:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return 0
        due, moment = to_db(due_at), to_db(now)
        await self._db.execute_many(
            "INSERT INTO media_deletions (key, due_at, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at",
            [(key, due, moment) for key in wanted],
        )
        return len(wanted)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[MediaDeletion]:
        rows = await self._update_returning(
            f"UPDATE media_deletions SET locked_until = :until, attempts = attempts + 1 WHERE key IN"
            f" (SELECT key FROM media_deletions WHERE {DUE} ORDER BY due_at, key LIMIT :limit"
            f" {self._db.dialect.skip_locked}) RETURNING {COLUMNS}",
            {"until": to_db(lease_until), "now": to_db(now), "limit": limit},
        )
        return sorted((deletion_from_row(row) for row in rows), key=lambda d: (d.due_at, d.key))

    async def _update_returning(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        async with self._db.write() as connection:
            cursor = await connection.execute(sql, params)
            rows = list(await cursor.fetchall())
            await cursor.close()
        return rows

    async def done(self, keys: Sequence[str]) -> int:
        if not keys:
            return 0
        return await self._db.execute_many("DELETE FROM media_deletions WHERE key = ?", [(key,) for key in keys])

    async def retry(self, key: str, next_attempt: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE media_deletions SET due_at = ?, locked_until = NULL, last_error = ? WHERE key = ?",
            (to_db(next_attempt), error[:ERROR_LENGTH], key),
        )

    async def get(self, key: str) -> MediaDeletion | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM media_deletions WHERE key = ?", (key,))
        return deletion_from_row(row) if row else None

    async def counts(self, now: datetime) -> MediaDeletionCounts:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0) AS due,"
            " COALESCE(SUM(CASE WHEN due_at > ? THEN 1 ELSE 0 END), 0) AS waiting,"
            " COALESCE(SUM(CASE WHEN last_error IS NOT NULL THEN 1 ELSE 0 END), 0) AS failing,"
            " MIN(CASE WHEN last_error IS NOT NULL THEN created_at END) AS oldest FROM media_deletions",
            (to_db(now), to_db(now)),
        )
        return MediaDeletionCounts(int(row["due"]), int(row["waiting"]), int(row["failing"]),
                                   from_db(row["oldest"]) if row["oldest"] else None)
