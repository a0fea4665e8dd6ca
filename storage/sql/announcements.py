"""Announcements with their audience, dismissals and reactions; important posts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.announcements import Announcement, ImportantStatus, NewAnnouncement, Reaction
from storage.clock import from_db, to_db
from storage.ids import IdGenerator
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back
from storage.sql.statuses import marks

COLUMNS = "id, text, content, starts_at, ends_at, all_day, published_at, updated_at, ended_at, created_by"
ACTIVE = ("(a.ended_at IS NULL OR a.ended_at > :now) AND (a.starts_at IS NULL OR a.starts_at <= :now)"
          " AND (a.ends_at IS NULL OR a.ends_at > :now)")
# The announcement ``a`` is for the account :viewer: it names no department, or one :viewer belongs to.
FOR_VIEWER = ("(NOT EXISTS (SELECT 1 FROM announcement_departments ad WHERE ad.announcement_id = a.id)"
              " OR EXISTS (SELECT 1 FROM announcement_departments ad JOIN department_members dm"
              " ON dm.department_id = ad.department_id WHERE ad.announcement_id = a.id"
              " AND dm.account_id = :viewer))")
ENABLED_EMPLOYEES = ("SELECT acc.id FROM accounts acc JOIN users u ON u.account_id = acc.id"
                     " WHERE acc.kind = 'employee' AND u.disabled = 0")
IMPORTANT_COLUMNS = "i.status_id, i.until, i.marked_by, i.marked_at"


def _optional(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _db_optional(moment: datetime | None) -> str | None:
    return to_db(moment) if moment is not None else None


def _announcement(row: Row, departments: Sequence[int]) -> Announcement:
    return Announcement(
        id=row["id"], text=row["text"], content=row["content"], starts_at=_optional(row["starts_at"]),
        ends_at=_optional(row["ends_at"]), all_day=bool(row["all_day"]), published_at=from_db(row["published_at"]),
        updated_at=from_db(row["updated_at"]), ended_at=_optional(row["ended_at"]), created_by=row["created_by"],
        department_ids=tuple(departments),
    )


def _important(row: Row) -> ImportantStatus:
    return ImportantStatus(status_id=row["status_id"], until=from_db(row["until"]), marked_by=row["marked_by"],
                           marked_at=from_db(row["marked_at"]))


class SqlAnnouncementStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, new: NewAnnouncement, now: datetime) -> Announcement:
        announcement_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO announcements ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (announcement_id, new.text, new.content, _db_optional(new.starts_at), _db_optional(new.ends_at),
                 int(new.all_day), to_db(now), to_db(now), new.created_by),
            )
            await self._set_departments(announcement_id, new.department_ids)
            found = await self.get(announcement_id)
        return read_back(found, "the announcement")

    async def _set_departments(self, announcement_id: int, department_ids: Sequence[int]) -> None:
        await self._db.execute("DELETE FROM announcement_departments WHERE announcement_id = ?", (announcement_id,))
        await self._db.execute_many(
            "INSERT INTO announcement_departments (announcement_id, department_id) VALUES (?, ?)",
            [(announcement_id, department_id) for department_id in sorted(set(department_ids))],
        )

    async def update(self, announcement_id: int, new: NewAnnouncement, now: datetime) -> Announcement | None:
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE announcements SET text = ?, content = ?, starts_at = ?, ends_at = ?, all_day = ?,"
                " updated_at = ? WHERE id = ?",
                (new.text, new.content, _db_optional(new.starts_at), _db_optional(new.ends_at), int(new.all_day),
                 to_db(now), announcement_id),
            )
            if not changed:
                return None
            await self._set_departments(announcement_id, new.department_ids)
            return await self.get(announcement_id)

    async def end(self, announcement_id: int, now: datetime) -> Announcement | None:
        async with self._db.write():
            await self._db.execute(
                "UPDATE announcements SET ended_at = ?, updated_at = ? WHERE id = ? AND ended_at IS NULL",
                (to_db(now), to_db(now), announcement_id),
            )
            return await self.get(announcement_id)

    async def delete(self, announcement_id: int) -> bool:
        return await self._db.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,)) > 0

    async def get(self, announcement_id: int) -> Announcement | None:
        found = await self._many(f"SELECT {COLUMNS} FROM announcements WHERE id = ?", (announcement_id,))
        return found[0] if found else None

    async def list(self) -> Sequence[Announcement]:
        return await self._many(f"SELECT {COLUMNS} FROM announcements ORDER BY id DESC", ())

    async def for_account(self, account_id: int, now: datetime) -> Sequence[Announcement]:
        aliased = ", ".join(f"a.{column.strip()}" for column in COLUMNS.split(","))
        return await self._many(
            f"SELECT {aliased} FROM announcements a WHERE {ACTIVE} AND {FOR_VIEWER}"
            " ORDER BY coalesce(a.starts_at, a.published_at), a.id",
            {"now": to_db(now), "viewer": account_id},
        )

    async def _many(self, sql: str, params: Sequence[object] | Mapping[str, object]) -> Sequence[Announcement]:
        rows = await self._db.fetch_all(sql, params)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        departments: dict[int, list[int]] = defaultdict(list)
        for found in await self._db.fetch_all(
            "SELECT announcement_id, department_id FROM announcement_departments"
            f" WHERE announcement_id IN ({marks(ids)}) ORDER BY department_id", ids,
        ):
            departments[found[0]].append(found[1])
        return [_announcement(row, departments.get(row["id"], [])) for row in rows]

    async def in_audience(self, announcement_id: int, account_id: int) -> bool:
        row = await self._db.fetch_one(
            f"SELECT 1 FROM announcements a WHERE a.id = :id AND {FOR_VIEWER}",
            {"id": announcement_id, "viewer": account_id},
        )
        return row is not None

    async def audience_ids(self, announcement_id: int) -> Sequence[int]:
        rows = await self._db.fetch_all(
            f"SELECT e.id FROM ({ENABLED_EMPLOYEES}) e WHERE NOT EXISTS (SELECT 1 FROM announcement_departments ad"
            " WHERE ad.announcement_id = ?) OR EXISTS (SELECT 1 FROM announcement_departments ad"
            " JOIN department_members dm ON dm.department_id = ad.department_id"
            " WHERE ad.announcement_id = ? AND dm.account_id = e.id) ORDER BY e.id",
            (announcement_id, announcement_id),
        )
        return [row[0] for row in rows]

    async def dismissed(self, account_id: int, announcement_ids: Sequence[int]) -> frozenset[int]:
        if not announcement_ids:
            return frozenset()
        rows = await self._db.fetch_all(
            "SELECT announcement_id FROM announcement_dismissals WHERE account_id = ?"
            f" AND announcement_id IN ({marks(announcement_ids)})", (account_id, *announcement_ids),
        )
        return frozenset(row[0] for row in rows)

    async def dismiss(self, announcement_id: int, account_id: int, now: datetime) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO announcement_dismissals (announcement_id, account_id, created_at) VALUES (?, ?, ?)",
            (announcement_id, account_id, to_db(now)),
        )

    async def react(self, announcement_id: int, account_id: int, name: str, now: datetime) -> bool:
        return await self._db.execute(
            "INSERT OR IGNORE INTO announcement_reactions (announcement_id, account_id, name, created_at)"
            " VALUES (?, ?, ?, ?)", (announcement_id, account_id, name, to_db(now)),
        ) > 0

    async def unreact(self, announcement_id: int, account_id: int, name: str) -> bool:
        return await self._db.execute(
            "DELETE FROM announcement_reactions WHERE announcement_id = ? AND account_id = ? AND name = ?",
            (announcement_id, account_id, name),
        ) > 0

    async def reactions(
        self, announcement_ids: Sequence[int], account_id: int | None
    ) -> Mapping[int, Sequence[Reaction]]:
        if not announcement_ids:
            return {}
        rows = await self._db.fetch_all(
            "SELECT announcement_id, name, count(*) AS n, min(created_at) AS first,"
            " sum(CASE WHEN account_id = ? THEN 1 ELSE 0 END) AS mine FROM announcement_reactions"
            f" WHERE announcement_id IN ({marks(announcement_ids)}) GROUP BY announcement_id, name"
            " ORDER BY announcement_id, first, name",
            (account_id if account_id is not None else 0, *announcement_ids),
        )
        found: dict[int, list[Reaction]] = defaultdict(list)
        for row in rows:
            found[row["announcement_id"]].append(Reaction(row["name"], int(row["n"]), bool(row["mine"])))
        return dict(found)

    async def reaction_count(self, announcement_id: int, name: str) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM announcement_reactions WHERE announcement_id = ? AND name = ?",
            (announcement_id, name),
        )
        return int(row[0]) if row else 0

    async def dismiss_counts(self, announcement_ids: Sequence[int]) -> Mapping[int, int]:
        if not announcement_ids:
            return {}
        rows = await self._db.fetch_all(
            "SELECT announcement_id, count(*) FROM announcement_dismissals"
            f" WHERE announcement_id IN ({marks(announcement_ids)}) GROUP BY announcement_id", announcement_ids,
        )
        return {row[0]: int(row[1]) for row in rows}


class SqlImportantStatusStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def mark(self, status_id: int, until: datetime, marked_by: str, now: datetime) -> ImportantStatus:
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO important_statuses (status_id, until, marked_by, marked_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (status_id) DO UPDATE SET until = excluded.until, marked_by = excluded.marked_by,"
                " marked_at = excluded.marked_at",
                (status_id, to_db(until), marked_by, to_db(now)),
            )
            found = await self.get(status_id)
        return read_back(found, "the important post")

    async def unmark(self, status_id: int) -> bool:
        return await self._db.execute("DELETE FROM important_statuses WHERE status_id = ?", (status_id,)) > 0

    async def get(self, status_id: int) -> ImportantStatus | None:
        row = await self._db.fetch_one(
            f"SELECT {IMPORTANT_COLUMNS} FROM important_statuses i WHERE i.status_id = ?", (status_id,)
        )
        return _important(row) if row else None

    async def current(self, status_ids: Sequence[int], now: datetime) -> Mapping[int, ImportantStatus]:
        if not status_ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT {IMPORTANT_COLUMNS} FROM important_statuses i WHERE i.until > ?"
            f" AND i.status_id IN ({marks(status_ids)})", (to_db(now), *status_ids),
        )
        return {row["status_id"]: _important(row) for row in rows}

    async def for_home(self, account_id: int, now: datetime) -> Sequence[ImportantStatus]:
        rows = await self._db.fetch_all(
            f"SELECT {IMPORTANT_COLUMNS} FROM important_statuses i JOIN statuses s ON s.id = i.status_id"
            " JOIN accounts a ON a.id = s.account_id WHERE i.until > ? AND s.deleted_at IS NULL"
            " AND (a.kind = 'company' OR (a.kind = 'department' AND EXISTS (SELECT 1 FROM department_members dm"
            " WHERE dm.department_id = a.id AND dm.account_id = ?))) ORDER BY i.status_id DESC",
            (to_db(now), account_id),
        )
        return [_important(row) for row in rows]

    async def by_author(self, author_id: int, now: datetime) -> Sequence[ImportantStatus]:
        rows = await self._db.fetch_all(
            f"SELECT {IMPORTANT_COLUMNS} FROM important_statuses i JOIN statuses s ON s.id = i.status_id"
            " WHERE i.until > ? AND s.account_id = ? AND s.deleted_at IS NULL ORDER BY i.status_id DESC",
            (to_db(now), author_id),
        )
        return [_important(row) for row in rows]

    async def audience_ids(self, author_id: int, *, everyone: bool) -> Sequence[int]:
        if everyone:
            rows = await self._db.fetch_all(f"{ENABLED_EMPLOYEES} ORDER BY acc.id")
        else:
            rows = await self._db.fetch_all(
                f"{ENABLED_EMPLOYEES} AND EXISTS (SELECT 1 FROM department_members dm WHERE dm.department_id = ?"
                " AND dm.account_id = acc.id) ORDER BY acc.id", (author_id,),
            )
        return [row[0] for row in rows]
