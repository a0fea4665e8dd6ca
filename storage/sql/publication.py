"""The publication log and announcers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import PublicationRecord
from storage.sql.database import Database

COLUMNS = "id, status_id, from_state, to_state, epoch, actor, reason, announcers, created_at"


class SqlPublicationStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def record(
        self, status_id: int, from_state: str, to_state: str, epoch: int, actor: str, reason: str | None,
        announcer_ids: Sequence[int],
    ) -> None:
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO publication_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self._ids.next_id(), status_id, from_state, to_state, epoch, actor, reason,
                 json.dumps(list(announcer_ids)), to_db(utcnow())),
            )
            for account_id in announcer_ids:
                await self._db.execute(
                    "INSERT OR IGNORE INTO status_announcers (status_id, epoch, account_id) VALUES (?, ?, ?)",
                    (status_id, epoch, account_id),
                )

    async def announcer_ids(self, status_id: int, epoch: int) -> Sequence[int]:
        rows = await self._db.fetch_all(
            "SELECT account_id FROM status_announcers WHERE status_id = ? AND epoch = ? ORDER BY account_id",
            (status_id, epoch),
        )
        return [row[0] for row in rows]

    async def published_naming(self, account_id: int, *, limit: int = 20) -> Sequence[int]:
        rows = await self._db.fetch_all(
            "SELECT s.id FROM statuses s WHERE s.publication_state = 'published' AND s.deleted_at IS NULL AND ("
            " s.account_id = ?"
            " OR EXISTS (SELECT 1 FROM status_announcers a WHERE a.status_id = s.id"
            "  AND a.epoch = s.publication_epoch AND a.account_id = ?)"
            " OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = ?)"
            ") ORDER BY s.id DESC LIMIT ?",
            (account_id, account_id, account_id, limit),
        )
        return [int(row[0]) for row in rows]

    async def history(self, status_id: int | None = None, *, limit: int = 100) -> Sequence[PublicationRecord]:
        where, params = ("WHERE status_id = ?", (status_id,)) if status_id is not None else ("", ())
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM publication_log {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [
            PublicationRecord(
                id=row["id"], status_id=row["status_id"], from_state=row["from_state"], to_state=row["to_state"],
                epoch=row["epoch"], actor=row["actor"], reason=row["reason"],
                announcer_ids=tuple(json.loads(row["announcers"])), created_at=from_db(row["created_at"]),
            )
            for row in rows
        ]
