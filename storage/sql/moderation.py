"""Reports (``Flag``) and blocks that remote servers send about our accounts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import NewReport, RemoteBlock, Report
from storage.sql.database import Database, Row

REPORT_COLUMNS = (
    "id, activity_id, reporter_uri, reporter_id, comment, target_account_ids, target_object_uris, state, received_at"
)


def report_from_row(row: Row) -> Report:
    return Report(
        id=row["id"],
        reporter_uri=row["reporter_uri"],
        reporter_id=row["reporter_id"],
        comment=row["comment"],
        target_account_ids=tuple(int(i) for i in json.loads(row["target_account_ids"])),
        target_object_uris=tuple(str(u) for u in json.loads(row["target_object_uris"])),
        activity_id=row["activity_id"],
        state=row["state"],
        received_at=from_db(row["received_at"]),
    )


class SqlModerationStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add_report(self, report: NewReport) -> Report | None:
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"INSERT INTO reports (id, activity_id, reporter_uri, reporter_id, comment, target_account_ids,"
                f" target_object_uris, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT DO NOTHING RETURNING {REPORT_COLUMNS}",
                (self._ids.next_id(), report.activity_id, report.reporter_uri, report.reporter_id, report.comment,
                 json.dumps(list(report.target_account_ids)), json.dumps(list(report.target_object_uris)),
                 to_db(utcnow())),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return report_from_row(row) if row else None

    async def list_reports(self) -> Sequence[Report]:
        rows = await self._db.fetch_all(f"SELECT {REPORT_COLUMNS} FROM reports ORDER BY id")
        return [report_from_row(row) for row in rows]

    async def add_remote_block(self, actor_id: int, target_id: int, activity_id: str | None) -> bool:
        changed = await self._db.execute(
            "INSERT INTO remote_blocks (actor_id, target_id, activity_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (actor_id, target_id, activity_id, to_db(utcnow())),
        )
        return changed > 0

    async def remove_remote_block(self, actor_id: int, target_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM remote_blocks WHERE actor_id = ? AND target_id = ?", (actor_id, target_id)
        )
        return changed > 0

    async def remote_blocks_of(self, target_id: int) -> Sequence[RemoteBlock]:
        rows = await self._db.fetch_all(
            "SELECT actor_id, target_id, activity_id, created_at FROM remote_blocks WHERE target_id = ?"
            " ORDER BY created_at",
            (target_id,),
        )
        return [
            RemoteBlock(row["actor_id"], row["target_id"], row["activity_id"], from_db(row["created_at"]))
            for row in rows
        ]
