"""Reports staff file from their clients, kept for the admins."""

from __future__ import annotations

import json
from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.curation import NewStaffReport, ReportCategory, StaffReport
from storage.ids import IdGenerator
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

REPORT_COLUMNS = (
    "id, account_id, target_account_id, status_ids, comment, category, rule_ids, forward, forwarded_at,"
    " created_at, action_taken_at"
)


def report_from_row(row: Row) -> StaffReport:
    return StaffReport(
        id=row["id"], account_id=row["account_id"], target_account_id=row["target_account_id"],
        status_ids=tuple(json.loads(row["status_ids"])), comment=row["comment"],
        category=ReportCategory(row["category"]), rule_ids=tuple(json.loads(row["rule_ids"])),
        forward=bool(row["forward"]),
        forwarded_at=from_db(row["forwarded_at"]) if row["forwarded_at"] else None,
        created_at=from_db(row["created_at"]),
        action_taken_at=from_db(row["action_taken_at"]) if row["action_taken_at"] else None,
    )


class SqlStaffReportStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, report: NewStaffReport) -> StaffReport:
        report_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO staff_reports ({REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)",
                (report_id, report.account_id, report.target_account_id, json.dumps(list(report.status_ids)),
                 report.comment, report.category.value, json.dumps(list(report.rule_ids)), int(report.forward),
                 to_db(utcnow())),
            )
            created = await self.get(report_id)
        return read_back(created, "the report")

    async def get(self, report_id: int) -> StaffReport | None:
        row = await self._db.fetch_one(f"SELECT {REPORT_COLUMNS} FROM staff_reports WHERE id = ?", (report_id,))
        return report_from_row(row) if row else None

    async def recent(self, *, unresolved_only: bool = True, limit: int = 100) -> Sequence[StaffReport]:
        where = "action_taken_at IS NULL" if unresolved_only else "1 = 1"
        rows = await self._db.fetch_all(
            f"SELECT {REPORT_COLUMNS} FROM staff_reports WHERE {where} ORDER BY id DESC LIMIT ?", (int(limit),)
        )
        return [report_from_row(row) for row in rows]
