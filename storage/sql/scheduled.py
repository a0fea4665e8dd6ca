"""Scheduled statuses: rows with a lease, claimed by the publishing worker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from activitypub.errors import InvalidInput
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.media import NewScheduledStatus, ScheduledState, ScheduledStatus
from storage.models import Page
from storage.sql.database import Database, Row
from storage.sql.media import SqlMediaStore
from storage.sql.paging import newest_first, page_clause
from storage.sql.read_back import read_back

COLUMNS = (
    "id, account_id, scheduled_at, params, state, attempts, locked_until, status_id, last_error, idempotency_key,"
    " created_at"
)
NOT_FREE = "Media {ids} not found or already attached to another post"


def scheduled_from_row(row: Row) -> ScheduledStatus:
    return ScheduledStatus(
        id=row["id"], account_id=row["account_id"], scheduled_at=from_db(row["scheduled_at"]),
        params=json.loads(row["params"]), state=ScheduledState(row["state"]), attempts=row["attempts"],
        locked_until=from_db(row["locked_until"]) if row["locked_until"] else None, status_id=row["status_id"],
        last_error=row["last_error"], idempotency_key=row["idempotency_key"], created_at=from_db(row["created_at"]),
    )


class SqlScheduledStatusStore:
    def __init__(self, database: Database, ids: IdGenerator, media: SqlMediaStore) -> None:
        self._db = database
        self._ids = ids
        self._media = media

    async def create(self, new: NewScheduledStatus) -> ScheduledStatus:
        scheduled_id = self._ids.next_id()
        now = to_db(new.created_at or utcnow())
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO scheduled_statuses ({COLUMNS}, updated_at)"
                " VALUES (?, ?, ?, ?, 'scheduled', 0, NULL, NULL, NULL, ?, ?, ?)",
                (scheduled_id, new.account_id, to_db(new.scheduled_at), json.dumps(dict(new.params)),
                 new.idempotency_key, now, now),
            )
            if new.media_ids:
                reserved = await self._media.attach_scheduled(scheduled_id, new.account_id, new.media_ids)
                if reserved != len(new.media_ids):
                    raise InvalidInput(NOT_FREE.format(ids=", ".join(map(str, new.media_ids))))
            created = await self.get(scheduled_id)
        return read_back(created, "the scheduled status")

    async def get(self, scheduled_id: int) -> ScheduledStatus | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM scheduled_statuses WHERE id = ?", (scheduled_id,))
        return scheduled_from_row(row) if row else None

    async def get_by_idempotency(self, account_id: int, key: str) -> ScheduledStatus | None:
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM scheduled_statuses WHERE account_id = ? AND idempotency_key = ?",
            (account_id, key),
        )
        return scheduled_from_row(row) if row else None

    async def list_pending(self, account_id: int, page: Page) -> Sequence[ScheduledStatus]:
        where, params, order = page_clause("id", page)
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM scheduled_statuses WHERE account_id = ? AND state = 'scheduled' AND {where}"
            f" {order}", (account_id, *params),
        )
        by_id = {row["id"]: scheduled_from_row(row) for row in rows}
        return [by_id[i] for i in newest_first(list(by_id), page)]

    async def count_pending(self, account_id: int, *, between: tuple[datetime, datetime] | None = None) -> int:
        window = " AND scheduled_at >= ? AND scheduled_at < ?" if between else ""
        bounds = (to_db(between[0]), to_db(between[1])) if between else ()
        row = await self._db.fetch_one(
            f"SELECT count(*) FROM scheduled_statuses WHERE account_id = ? AND state = 'scheduled'{window}",
            (account_id, *bounds),
        )
        return int(row[0]) if row else 0

    async def reschedule(self, scheduled_id: int, scheduled_at: datetime) -> ScheduledStatus | None:
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE scheduled_statuses SET scheduled_at = ?, updated_at = ? WHERE id = ? AND state = 'scheduled'",
                (to_db(scheduled_at), to_db(utcnow()), scheduled_id),
            )
            return await self.get(scheduled_id) if changed else None

    async def delete(self, scheduled_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM scheduled_statuses WHERE id = ? AND state = 'scheduled'", (scheduled_id,)
        )
        return changed > 0

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[ScheduledStatus]:
        stamp = to_db(now)
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"UPDATE scheduled_statuses SET locked_until = ?, attempts = attempts + 1, updated_at = ?"
                f" WHERE id IN (SELECT id FROM scheduled_statuses WHERE state = 'scheduled' AND scheduled_at <= ?"
                f" AND (locked_until IS NULL OR locked_until <= ?) ORDER BY scheduled_at, id LIMIT ?"
                f" {self._db.dialect.skip_locked}) RETURNING {COLUMNS}",
                (to_db(lease_until), stamp, stamp, stamp, limit),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        return sorted((scheduled_from_row(row) for row in rows), key=lambda s: (s.scheduled_at, s.id))

    async def mark_published(self, scheduled_id: int, status_id: int) -> None:
        await self._db.execute(
            "UPDATE scheduled_statuses SET state = 'published', status_id = ?, locked_until = NULL, last_error = NULL,"
            " updated_at = ? WHERE id = ?",
            (status_id, to_db(utcnow()), scheduled_id),
        )

    async def mark_failed(self, scheduled_id: int, error: str) -> None:
        """The row stays for the record; its media are freed for another post."""
        async with self._db.write():
            await self._db.execute(
                "UPDATE scheduled_statuses SET state = 'failed', locked_until = NULL, last_error = ?, updated_at = ?"
                " WHERE id = ?",
                (error, to_db(utcnow()), scheduled_id),
            )
            await self._db.execute(
                "UPDATE media_attachments SET scheduled_status_id = NULL WHERE scheduled_status_id = ?",
                (scheduled_id,),
            )

    async def release(self, scheduled_id: int, retry_at: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE scheduled_statuses SET locked_until = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (to_db(retry_at), error, to_db(utcnow()), scheduled_id),
        )
