"""Notifications on SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Notification, Page
from storage.sqlite.database import Database, Row
from storage.sqlite.paging import newest_first, page_clause

COLUMNS = "id, account_id, from_account_id, type, status_id, created_at"


def notification_from_row(row: Row) -> Notification:
    return Notification(
        id=row["id"], account_id=row["account_id"], from_account_id=row["from_account_id"], type=row["type"],
        status_id=row["status_id"], created_at=from_db(row["created_at"]),
    )


class SqliteNotificationStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, account_id: int, from_account_id: int, type_: str, status_id: int | None) -> Notification | None:
        """Store a notification; None when the same one already exists (a repeated favourite, say)."""
        notification_id = self._ids.next_id()
        changed = await self._db.execute(
            f"INSERT OR IGNORE INTO notifications ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (notification_id, account_id, from_account_id, type_, status_id, to_db(utcnow())),
        )
        return await self.get(account_id, notification_id) if changed else None

    async def get(self, account_id: int, notification_id: int) -> Notification | None:
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM notifications WHERE id = ? AND account_id = ?", (notification_id, account_id)
        )
        return notification_from_row(row) if row else None

    async def list(
        self, account_id: int, page: Page, *, types: Sequence[str] = (), exclude_types: Sequence[str] = (),
        from_account_id: int | None = None,
    ) -> Sequence[Notification]:
        where, params, order = page_clause("n.id", page)
        conditions = ["n.account_id = ?", where,
                      "(n.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses s WHERE s.id = n.status_id"
                      " AND s.deleted_at IS NULL))"]
        values: list[object] = [account_id, *params]
        if types:
            conditions.append(f"n.type IN ({','.join('?' * len(types))})")
            values.extend(types)
        if exclude_types:
            conditions.append(f"n.type NOT IN ({','.join('?' * len(exclude_types))})")
            values.extend(exclude_types)
        if from_account_id is not None:
            conditions.append("n.from_account_id = ?")
            values.append(from_account_id)
        rows = await self._db.fetch_all(
            f"SELECT {', '.join('n.' + c.strip() for c in COLUMNS.split(','))} FROM notifications n"
            f" WHERE {' AND '.join(conditions)} {order}",
            values,
        )
        found = {row["id"]: notification_from_row(row) for row in rows}
        return [found[i] for i in newest_first(list(found), page)]

    async def dismiss(self, account_id: int, notification_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM notifications WHERE id = ? AND account_id = ?", (notification_id, account_id)
        ) > 0

    async def clear(self, account_id: int) -> int:
        return await self._db.execute("DELETE FROM notifications WHERE account_id = ?", (account_id,))

    async def count_after(self, account_id: int, after_id: int, *, limit: int = 1000) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE account_id = ? AND id > ? LIMIT ?) AS recent",
            (account_id, after_id, limit),
        )
        return int(row[0]) if row else 0
