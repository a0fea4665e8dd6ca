"""Notifications.

A restricted ``Reader`` (a token acting as an organisation for a human who is
not an admin) sees, dismisses, clears and counts only notifications whose
status it may read (``timelines.MAIL``); the others stay for those who may.

Favourites, boosts and follows get their group key when stored
(``storage.notification_groups``); a group is read, summarised and
dismissed as a whole by that key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Notification, Page, Reader, reader_of
from storage.notification_groups import SAMPLE_ACCOUNTS, SPAN, GroupSummary, group_prefix, next_group_key
from storage.sql.database import Database, Row
from storage.sql.paging import newest_first, page_clause
from storage.sql.timelines import MAIL

COLUMNS = "id, account_id, from_account_id, type, status_id, created_at, group_key"
_ALIASED = ", ".join("n." + column.strip() for column in COLUMNS.split(","))


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
        status_id=row["status_id"], created_at=from_db(row["created_at"]), group_key=row["group_key"],
    )


class SqlNotificationStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, account_id: int, from_account_id: int, type_: str, status_id: int | None) -> Notification | None:
        """Store a notification; None when the same one already exists (a repeated favourite, say)."""
        notification_id, now = self._ids.next_id(), utcnow()
        group_key = await self._group_key(account_id, type_, status_id, now)
        changed = await self._db.execute(
            f"INSERT OR IGNORE INTO notifications ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (notification_id, account_id, from_account_id, type_, status_id, to_db(now), group_key),
        )
        return await self.get(account_id, notification_id) if changed else None

    async def add_many(
        self, account_ids: Sequence[int], from_account_id: int, type_: str, status_id: int | None
    ) -> Sequence[Notification]:
        if not account_ids or group_prefix(type_, status_id) is not None:
            return []
        now = to_db(utcnow())
        async with self._db.write():
            rows = await self._db.fetch_all(
                f"SELECT a.id FROM accounts a WHERE a.id IN ({','.join('?' * len(account_ids))})"
                " AND a.domain IS NULL AND a.id <> ? AND NOT EXISTS (SELECT 1 FROM blocks b WHERE"
                " (b.account_id = a.id AND b.target_account_id = ?) OR (b.account_id = ? AND b.target_account_id = a.id))"
                " AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = a.id AND m.target_account_id = ?"
                " AND m.hide_notifications = 1 AND (m.expires_at IS NULL OR m.expires_at > ?)) ORDER BY a.id",
                (*account_ids, from_account_id, from_account_id, from_account_id, from_account_id, now),
            )
            made = [(self._ids.next_id(), row[0]) for row in rows]
            await self._db.execute_many(
                f"INSERT OR IGNORE INTO notifications ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
                [(notification_id, account_id, from_account_id, type_, status_id, now)
                 for notification_id, account_id in made],
            )
            if not made:
                return []
            ids = [notification_id for notification_id, _ in made]
            found = await self._db.fetch_all(
                f"SELECT {COLUMNS} FROM notifications WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id", ids,
            )
        return [notification_from_row(row) for row in found]

    async def _group_key(self, account_id: int, type_: str, status_id: int | None, now: datetime) -> str | None:
        prefix = group_prefix(type_, status_id)
        if prefix is None:
            return None
        row = await self._db.fetch_one(
            "SELECT group_key FROM notifications WHERE account_id = ? AND type = ? AND coalesce(status_id, 0) = ?"
            " AND group_key IS NOT NULL AND created_at > ? ORDER BY id DESC LIMIT 1",
            (account_id, type_, status_id or 0, to_db(now - SPAN)),
        )
        return next_group_key(prefix, now, row["group_key"] if row else None)

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
            f"SELECT {_ALIASED} FROM notifications n"
            f" WHERE {' AND '.join(conditions)} {order}",
            values,
        )
        found = {row["id"]: notification_from_row(row) for row in rows}
        return [found[i] for i in newest_first(list(found), page)]

    async def in_group(
        self, viewer: Reader | int, group_key: str, page: Page, *, hidden_senders: Collection[int] = ()
    ) -> Sequence[Notification]:
        """A page of the group's notifications, newest first, leaving out ``hidden_senders``."""
        account_id, readable, mail = _readable(viewer)
        where, params, order = page_clause("n.id", page)
        hidden, hidden_values = _not_from(hidden_senders)
        rows = await self._db.fetch_all(
            f"SELECT {_ALIASED} FROM notifications n WHERE n.account_id = ? AND n.group_key = ? AND {where}"
            f" AND {readable} AND {hidden} {order}",
            (account_id, group_key, *params, *mail, *hidden_values),
        )
        found = {row["id"]: notification_from_row(row) for row in rows}
        return [found[i] for i in newest_first(list(found), page)]

    async def group_summaries(
        self, viewer: Reader | int, group_keys: Collection[str], *, upto: int | None = None,
        page_from: int | None = None, hidden_senders: Collection[int] = (),
    ) -> Mapping[str, GroupSummary]:
        """Each group as of notification ``upto`` (all of it when None): Mastodon's ``load_groups_data``.

        ``page_from`` is the lowest id of the page being shown; each summary then names the group's oldest
        notification from there on (``page_min_id``).
        """
        summaries: dict[str, GroupSummary] = {}
        for key in dict.fromkeys(group_keys):
            summary = await self._summary(viewer, key, upto, page_from, hidden_senders)
            if summary is not None:
                summaries[key] = summary
        return summaries

    async def _summary(
        self, viewer: Reader | int, group_key: str, upto: int | None, page_from: int | None,
        hidden_senders: Collection[int],
    ) -> GroupSummary | None:
        account_id, readable, mail = _readable(viewer)
        hidden, hidden_values = _not_from(hidden_senders)
        base = f"FROM notifications n WHERE n.account_id = ? AND n.group_key = ? AND {readable} AND {hidden}"
        values: tuple[object, ...] = (account_id, group_key, *mail, *hidden_values)
        bounded, bound = (f"{base} AND n.id <= ?", (*values, upto)) if upto is not None else (base, values)
        newest = await self._db.fetch_all(
            f"SELECT n.id, n.from_account_id, n.created_at {bounded} ORDER BY n.id DESC LIMIT {SAMPLE_ACCOUNTS}", bound
        )
        if not newest:
            return None
        count = await self._db.fetch_one(f"SELECT count(*) {bounded}", bound)
        page_min = None
        if page_from is not None:
            lowest = await self._db.fetch_one(f"SELECT min(n.id) {base} AND n.id >= ?", (*values, page_from))
            page_min = lowest[0] if lowest and lowest[0] is not None else newest[0]["id"]
        return GroupSummary(
            most_recent_id=newest[0]["id"], most_recent_at=from_db(newest[0]["created_at"]),
            count=int(count[0]) if count else len(newest),
            sample_sender_ids=tuple(row["from_account_id"] for row in newest), page_min_id=page_min,
        )

    async def dismiss_group(self, viewer: Reader | int, group_key: str) -> int:
        account_id, readable, mail = _readable(viewer)
        return await self._db.execute(
            f"DELETE FROM notifications WHERE account_id = ? AND group_key = ? AND {_unaliased(readable)}",
            (account_id, group_key, *mail),
        )

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


def _not_from(senders: Collection[int]) -> tuple[str, tuple[int, ...]]:
    if not senders:
        return "1 = 1", ()
    return f"n.from_account_id NOT IN ({','.join('?' * len(senders))})", tuple(senders)


def _unaliased(condition: str) -> str:
    """A DELETE names its table without an alias."""
    return condition.replace("n.status_id", "notifications.status_id")
