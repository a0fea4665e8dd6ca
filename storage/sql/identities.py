"""Auto-publish policies, department settings and the posted-as audit lines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from storage.clock import from_db, to_db, utcnow
from storage.identities import POSTED_AS_ACTION, AutoPublishPolicy, DepartmentTimeline, PolicyChange, PostedAs
from storage.ids import IdGenerator
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

POLICY_COLUMNS = "id, account_id, enabled, set_by, reason, created_at, updated_at"
CHANGE_COLUMNS = "id, account_id, setting, value, actor, reason, created_at"
AUTO_PUBLISH = "auto_publish"


def policy_from_row(row: Row) -> AutoPublishPolicy:
    return AutoPublishPolicy(
        id=row["id"], account_id=row["account_id"], enabled=bool(row["enabled"]), set_by=row["set_by"],
        reason=row["reason"], created_at=from_db(row["created_at"]), updated_at=from_db(row["updated_at"]),
    )


def change_from_row(row: Row) -> PolicyChange:
    return PolicyChange(
        id=row["id"], account_id=row["account_id"], setting=row["setting"], value=row["value"], actor=row["actor"],
        reason=row["reason"], created_at=from_db(row["created_at"]),
    )


class SqlPolicyStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def auto_publish(self, account_ids: Sequence[int]) -> Mapping[int, AutoPublishPolicy]:
        if not account_ids:
            return {}
        marks = ", ".join("?" for _ in account_ids)
        rows = await self._db.fetch_all(
            f"SELECT {POLICY_COLUMNS} FROM auto_publish_policies WHERE account_id IN ({marks})", tuple(account_ids)
        )
        return {row["account_id"]: policy_from_row(row) for row in rows}

    async def auto_publish_settings(self) -> Sequence[AutoPublishPolicy]:
        rows = await self._db.fetch_all(f"SELECT {POLICY_COLUMNS} FROM auto_publish_policies ORDER BY account_id")
        return [policy_from_row(row) for row in rows]

    async def set_auto_publish(
        self, account_id: int, enabled: bool, *, actor: str, reason: str | None
    ) -> AutoPublishPolicy:
        now = to_db(utcnow())
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO auto_publish_policies ({POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled, set_by = excluded.set_by,"
                " reason = excluded.reason, updated_at = excluded.updated_at",
                (self._ids.next_id(), account_id, int(enabled), actor, reason, now, now),
            )
            await self._log(account_id, AUTO_PUBLISH, "on" if enabled else "off", actor, reason)
            row = await self._db.fetch_one(
                f"SELECT {POLICY_COLUMNS} FROM auto_publish_policies WHERE account_id = ?", (account_id,)
            )
        row = read_back(row, "the auto-publish policy")
        return policy_from_row(row)

    async def clear_auto_publish(self, account_id: int, *, actor: str, reason: str | None) -> bool:
        async with self._db.write():
            changed = await self._db.execute("DELETE FROM auto_publish_policies WHERE account_id = ?", (account_id,))
            if changed:
                await self._log(account_id, AUTO_PUBLISH, "default", actor, reason)
        return changed > 0

    async def department_timeline(self, department_id: int) -> DepartmentTimeline:
        row = await self._db.fetch_one(
            "SELECT timeline FROM department_settings WHERE department_id = ?", (department_id,)
        )
        return DepartmentTimeline(row["timeline"]) if row else DepartmentTimeline.BOTH

    async def set_department_timeline(self, department_id: int, mode: DepartmentTimeline, *, actor: str) -> None:
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO department_settings (department_id, timeline, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (department_id) DO UPDATE SET timeline = excluded.timeline,"
                " updated_at = excluded.updated_at",
                (department_id, mode.value, to_db(utcnow())),
            )
            await self._log(department_id, "department_timeline", mode.value, actor, None)

    async def changes(self, account_id: int | None = None, *, limit: int = 100) -> Sequence[PolicyChange]:
        where, params = ("WHERE account_id = ?", (account_id,)) if account_id is not None else ("", ())
        rows = await self._db.fetch_all(
            f"SELECT {CHANGE_COLUMNS} FROM policy_log {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [change_from_row(row) for row in rows]

    async def record_posted_as(self, entry: PostedAs) -> None:
        # The one audit log is publication_log (its action/detail columns come from migration 0014).
        await self._db.execute(
            "INSERT INTO publication_log (id, status_id, from_state, to_state, epoch, actor, reason, announcers,"
            " created_at, action, detail) VALUES (?, ?, 'internal', 'internal', ?, ?, ?, '[]', ?, ?, ?)",
            (self._ids.next_id(), entry.status_id, entry.epoch, entry.actor, entry.reason, to_db(utcnow()),
             POSTED_AS_ACTION, json.dumps(dict(entry.detail))),
        )

    async def _log(self, account_id: int, setting: str, value: str, actor: str, reason: str | None) -> None:
        await self._db.execute(
            f"INSERT INTO policy_log ({CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self._ids.next_id(), account_id, setting, value, actor, reason, to_db(utcnow())),
        )
