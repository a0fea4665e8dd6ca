"""Notifications.

A restricted ``Reader`` (a token acting as an organisation for a human who is
not an admin) sees, dismisses, clears and counts only notifications whose
status it may read (``timelines.MAIL``); the others stay for those who may.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Notification, Page, Reader, reader_of
from storage.sql.database import Database, Row
from storage.sql.paging import newest_first, page_clause
from storage.sql.timelines import MAIL

COLUMNS = "id, account_id, from_account_id, type, status_id, created_at"


# Positional form of MAIL for a notification ``n``: its status, if any, is mail the reader may read.
READABLE = ("(n.status_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses s WHERE s.id = n.status_id"
            f" AND NOT {MAIL.replace(':mail', '?')}))")


def _readable(viewer: Reader | int) -> tuple[int, str, tuple[int, ...]]:
    """The owner's id, and the condition (with its values) that keeps only what the reader may read."""
    reader = reader_of(viewer)
    if not reader.restricted:
        return reader.account_id, "1 = 1", ()
    return reader.account_id, READABLE, (reader.mail_of,) * MAIL.count(":mail")


def notification_from_row(row: Row) -> Notification:
    return Notification(
        id=row["id"], account_id=row["account_id"], from_account_id=row["from_account_id"], type=row["type"],
        status_id=row["status_id"], created_at=from_db(row["created_at"]),
    )


class SqlNotificationStore:
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

    async def get(self, viewer: Reader | int, notification_id: int) -> Notification | None:
        account_id, readable, mail = _readable(viewer)
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM notifications n WHERE id = ? AND account_id = ? AND {readable}",
            (notification_id, account_id, *mail),
        )
        return notification_from_row(row) if row else None

    async def list(
        self, viewer: Reader | int, page: Page, *, types: Sequence[str] = (), exclude_types: Sequence[str] = (),
        from_account_id: int | None = None,
    ) -> Sequence[Notification]:
        account_id, readable, mail = _readable(viewer)
        where, params, order = page_clause("n.id", page)
        conditions = ["n.account_id = ?", where,
                      "(n.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses s WHERE s.id = n.status_id"
                      " AND s.deleted_at IS NULL))", readable]
        values: list[object] = [account_id, *params, *mail]
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

    async def dismiss(self, viewer: Reader | int, notification_id: int) -> bool:
        account_id, readable, mail = _readable(viewer)
        return await self._db.execute(
            f"DELETE FROM notifications WHERE id = ? AND account_id = ? AND {_unaliased(readable)}",
            (notification_id, account_id, *mail),
        ) > 0

    async def clear(self, viewer: Reader | int) -> int:
        account_id, readable, mail = _readable(viewer)
        return await self._db.execute(
            f"DELETE FROM notifications WHERE account_id = ? AND {_unaliased(readable)}", (account_id, *mail)
        )

    async def count_after(self, viewer: Reader | int, after_id: int, *, limit: int = 1000) -> int:
        account_id, readable, mail = _readable(viewer)
        row = await self._db.fetch_one(
            "SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE account_id = ? AND id > ?"
            f" AND {readable} LIMIT ?) AS recent",
            (account_id, after_id, *mail, limit),
        )
        return int(row[0]) if row else 0


def _unaliased(condition: str) -> str:
    """A DELETE names its table without an alias."""
    return condition.replace("n.status_id", "notifications.status_id")
