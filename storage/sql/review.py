"""The review queue, the audit log and the admin list of shareable posts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from activitypub.errors import Conflict
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Page
from storage.review import (
    AdminStatusFilter,
    AuditEntry,
    AuditFilter,
    Decision,
    NewAuditEntry,
    NewReviewItem,
    ReviewItem,
    ReviewKind,
    ReviewState,
)
from storage.sql.database import Database, Row
from storage.sql.paging import newest_first, page_clause
from storage.sql.read_back import read_back

ITEM_COLUMNS = ("id, status_id, kind, state, edit_id, nominated_by, announcers, scheduled_at, decided_by, decided_at,"
                " reason, created_at, updated_at")
LOG_COLUMNS = "id, status_id, from_state, to_state, epoch, actor, reason, announcers, created_at, action, detail"
# Lines the publication service writes carry no action; it follows from the states.
ACTION = ("coalesce(action, CASE WHEN to_state = 'retracted' THEN 'unpublish'"
          " WHEN from_state = 'published' AND to_state = 'published' THEN 'approve_revision' ELSE 'publish' END)")


def _ids(raw: str | None) -> tuple[int, ...] | None:
    return None if raw is None else tuple(int(i) for i in json.loads(raw))


def _optional_time(raw: str | None) -> datetime | None:
    return from_db(raw) if raw else None


def item_from_row(row: Row) -> ReviewItem:
    return ReviewItem(
        id=row["id"], status_id=row["status_id"], kind=ReviewKind(row["kind"]), state=ReviewState(row["state"]),
        edit_id=row["edit_id"], nominated_by=row["nominated_by"], announcer_ids=_ids(row["announcers"]),
        scheduled_at=_optional_time(row["scheduled_at"]), decided_by=row["decided_by"],
        decided_at=_optional_time(row["decided_at"]), reason=row["reason"], created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def entry_from_row(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"], status_id=row["status_id"], action=row["derived_action"], from_state=row["from_state"],
        to_state=row["to_state"], epoch=row["epoch"], actor=row["actor"], reason=row["reason"],
        announcer_ids=tuple(json.loads(row["announcers"])), detail=json.loads(row["detail"] or "{}"),
        created_at=from_db(row["created_at"]),
    )


class SqlReviewStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def open_item(self, new: NewReviewItem) -> ReviewItem:
        item_id, now = self._ids.next_id(), to_db(utcnow())
        try:
            await self._db.execute(
                "INSERT INTO review_items (id, status_id, kind, state, edit_id, nominated_by, created_at, updated_at)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)",
                (item_id, new.status_id, new.kind.value, new.edit_id, new.nominated_by, now, now),
            )
        except Conflict:
            raise Conflict("This post is already waiting in the review queue") from None
        found = await self.get(item_id)
        return read_back(found, "the review item")

    async def get(self, item_id: int) -> ReviewItem | None:
        row = await self._db.fetch_one(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = ?", (item_id,))
        return item_from_row(row) if row else None

    async def open_for(self, status_id: int) -> ReviewItem | None:
        row = await self._db.fetch_one(
            f"SELECT {ITEM_COLUMNS} FROM review_items WHERE status_id = ? AND state IN ('pending', 'scheduled')",
            (status_id,),
        )
        return item_from_row(row) if row else None

    async def open_for_many(self, status_ids: Sequence[int]) -> Mapping[int, ReviewItem]:
        if not status_ids:
            return {}
        holes = ",".join("?" * len(status_ids))
        rows = await self._db.fetch_all(
            f"SELECT {ITEM_COLUMNS} FROM review_items"
            f" WHERE status_id IN ({holes}) AND state IN ('pending', 'scheduled')", list(status_ids),
        )
        return {row["status_id"]: item_from_row(row) for row in rows}

    async def items(
        self, states: Sequence[ReviewState], page: Page, *, department_ids: Sequence[int] | None = None
    ) -> Sequence[ReviewItem]:
        where, params, order = page_clause("r.id", page)
        conditions = [where, f"r.state IN ({','.join('?' * len(states))})"]
        values: list[Any] = [*params, *(s.value for s in states)]
        if department_ids is not None:
            conditions.append(self._addressed_to("r.status_id", department_ids))
            values.extend(department_ids)
        rows = await self._db.fetch_all(
            f"SELECT {', '.join('r.' + c.strip() for c in ITEM_COLUMNS.split(','))} FROM review_items r"
            f" WHERE {' AND '.join(conditions)} {order}", values,
        )
        items = [item_from_row(row) for row in rows]
        return items[::-1] if page.min_id is not None else items

    @staticmethod
    def _addressed_to(column: str, department_ids: Sequence[int]) -> str:
        if not department_ids:
            return "0"
        marks = ",".join("?" * len(department_ids))
        return f"EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = {column} AND m.account_id IN ({marks}))"

    async def decide(self, item_id: int, decision: Decision) -> ReviewItem | None:
        now = to_db(utcnow())
        announcers = None if decision.announcer_ids is None else json.dumps(list(decision.announcer_ids))
        expect = ",".join("?" * len(decision.expect))
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE review_items SET state = ?, decided_by = ?, decided_at = ?, reason = ?,"
                " scheduled_at = coalesce(?, scheduled_at), announcers = coalesce(?, announcers), locked_until = NULL, updated_at = ?"
                f" WHERE id = ? AND edit_id = ? AND state IN ({expect})",
                (decision.to_state.value, decision.by, now, decision.reason,
                 to_db(decision.scheduled_at) if decision.scheduled_at else None, announcers, now,
                 item_id, decision.edit_id, *(s.value for s in decision.expect)),
            )
            return await self.get(item_id) if changed else None

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[ReviewItem]:
        stamp = to_db(now)
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"UPDATE review_items SET locked_until = ?, updated_at = ? WHERE id IN (SELECT id FROM review_items"
                f" WHERE state = 'scheduled' AND scheduled_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
                f" ORDER BY scheduled_at, id LIMIT ? {self._db.dialect.skip_locked}) RETURNING {ITEM_COLUMNS}",
                (to_db(lease_until), stamp, stamp, stamp, limit),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        return sorted((item_from_row(row) for row in rows), key=lambda i: (i.scheduled_at or now, i.id))

    async def log(self, entry: NewAuditEntry) -> None:
        await self._db.execute(
            "INSERT INTO publication_log (id, status_id, from_state, to_state, epoch, actor, reason, announcers,"
            " created_at, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self._ids.next_id(), entry.status_id, entry.from_state, entry.to_state, entry.epoch, entry.actor,
             entry.reason, json.dumps(list(entry.announcer_ids)), to_db(utcnow()), entry.action.value,
             json.dumps(dict(entry.detail), default=str)),
        )

    async def audit(self, where: AuditFilter, page: Page) -> Sequence[AuditEntry]:
        clause, params, order = page_clause("id", page)
        conditions, values = [clause], list(params)
        for sql, value in (("status_id = ?", where.status_id), ("actor = ?", where.actor),
                           (f"{ACTION} = ?", where.action),
                           ("created_at >= ?", to_db(where.since) if where.since else None),
                           ("created_at < ?", to_db(where.until) if where.until else None)):
            if value is not None:
                conditions.append(sql)
                values.append(value)
        rows = await self._db.fetch_all(
            f"SELECT {LOG_COLUMNS}, {ACTION} AS derived_action FROM publication_log"
            f" WHERE {' AND '.join(conditions)} {order}", values,
        )
        entries = [entry_from_row(row) for row in rows]
        return entries[::-1] if page.min_id is not None else entries

    async def admin_status_ids(self, where: AdminStatusFilter, page: Page) -> Sequence[int]:
        clause, params, order = page_clause("s.id", page)
        conditions = [clause, "s.local = 1", "s.deleted_at IS NULL", "s.reblog_of_id IS NULL",
                      "s.visibility IN ('public', 'unlisted')"]
        values: list[Any] = list(params)
        optional: list[tuple[str, Any]] = [
            ("s.account_id = ?", where.account_id),
            ("s.publication_state = ?", where.state.value if where.state else None),
            ("s.created_at >= ?", to_db(where.since) if where.since else None),
            ("s.created_at < ?", to_db(where.until) if where.until else None),
            ("EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id"
             " AND t.name = ?)", where.hashtag.lower() if where.hashtag else None),
        ]
        for sql, value in optional:
            if value is not None:
                conditions.append(sql)
                values.append(value)
        if where.department_ids is not None:
            conditions.append(self._addressed_to("s.id", where.department_ids))
            values.extend(where.department_ids)
        rows = await self._db.fetch_all(f"SELECT s.id FROM statuses s WHERE {' AND '.join(conditions)} {order}", values)
        return newest_first([row[0] for row in rows], page)
