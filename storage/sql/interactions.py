"""Favourites, bookmarks and pins, and the per-viewer flags they set on statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.clock import to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Account, Page, ViewerFlags
from storage.sql.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sql.database import Database
from storage.sql.paging import newest_first, page_clause
from storage.sql.statuses import marks

TABLES = {"favourite": "favourites", "bookmark": "bookmarks", "pin": "status_pins"}


class SqlInteractionStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, kind: str, account_id: int, status_id: int, *, uri: str | None = None) -> bool:
        """Record a favourite, bookmark or pin; False when it already existed."""
        table = TABLES[kind]
        if kind == "favourite":
            changed = await self._db.execute(
                "INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (account_id, status_id) DO NOTHING",
                (self._ids.next_id(), account_id, status_id, uri, to_db(utcnow())),
            )
        else:
            changed = await self._db.execute(
                f"INSERT INTO {table} (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account_id, status_id) DO NOTHING",
                (self._ids.next_id(), account_id, status_id, to_db(utcnow())),
            )
        return changed > 0

    async def remove(self, kind: str, account_id: int, status_id: int) -> bool:
        return await self._db.execute(
            f"DELETE FROM {TABLES[kind]} WHERE account_id = ? AND status_id = ?", (account_id, status_id)
        ) > 0

    async def remove_favourite_by_uri(self, uri: str) -> tuple[int, int] | None:
        """Undo of a remote Like: returns (account, status) of the removed favourite."""
        async with self._db.write():
            row = await self._db.fetch_one("SELECT account_id, status_id FROM favourites WHERE uri = ?", (uri,))
            if row is None:
                return None
            await self._db.execute("DELETE FROM favourites WHERE uri = ?", (uri,))
        return int(row[0]), int(row[1])

    async def count_pins(self, account_id: int) -> int:
        row = await self._db.fetch_one("SELECT count(*) FROM status_pins WHERE account_id = ?", (account_id,))
        return int(row[0]) if row else 0

    async def pinned_ids(self, account_id: int) -> Sequence[int]:
        rows = await self._db.fetch_all(
            "SELECT status_id FROM status_pins WHERE account_id = ? ORDER BY id DESC", (account_id,)
        )
        return [row[0] for row in rows]

    async def flags(self, account_id: int, status_ids: Sequence[int]) -> ViewerFlags:
        """Everything the viewer did to these statuses, in one round trip."""
        if not status_ids:
            return ViewerFlags(frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
        params: dict[str, object] = {"viewer": account_id}
        params.update({f"s{i}": status_id for i, status_id in enumerate(status_ids)})
        ids = ", ".join(f":s{i}" for i in range(len(status_ids)))
        rows = await self._db.fetch_all(
            f"SELECT 'favourited', status_id FROM favourites WHERE account_id = :viewer AND status_id IN ({ids})"
            f" UNION ALL SELECT 'reblogged', reblog_of_id FROM statuses WHERE account_id = :viewer"
            f" AND reblog_of_id IN ({ids}) AND deleted_at IS NULL"
            f" UNION ALL SELECT 'bookmarked', status_id FROM bookmarks WHERE account_id = :viewer AND status_id IN ({ids})"
            f" UNION ALL SELECT 'pinned', status_id FROM status_pins WHERE account_id = :viewer AND status_id IN ({ids})"
            f" UNION ALL SELECT 'muted', s.id FROM statuses s JOIN thread_mutes m ON m.thread_id = s.thread_id"
            f" WHERE m.account_id = :viewer AND s.id IN ({ids})",
            params,
        )
        found: dict[str, set[int]] = {"favourited": set(), "reblogged": set(), "bookmarked": set(), "pinned": set(),
                                      "muted": set()}
        for kind, status_id in rows:
            found[kind].add(status_id)
        return ViewerFlags(
            favourited=frozenset(found["favourited"]), reblogged=frozenset(found["reblogged"]),
            bookmarked=frozenset(found["bookmarked"]), pinned=frozenset(found["pinned"]),
            muted_threads=frozenset(found["muted"]),
        )

    async def listed(self, kind: str, account_id: int, page: Page) -> Sequence[tuple[int, int]]:
        """(row id, status id) of the account's favourites or bookmarks, newest first, paged by row id."""
        table = TABLES[kind]
        where, params, order = page_clause("id", page)
        rows = await self._db.fetch_all(
            f"SELECT id, status_id FROM {table} WHERE account_id = ? AND {where} {order}", (account_id, *params)
        )
        by_id = {row[0]: row[1] for row in rows}
        return [(i, by_id[i]) for i in newest_first(list(by_id), page)]

    async def favourited_by(self, status_id: int, page: Page) -> Sequence[tuple[int, Account]]:
        where, params, order = page_clause("favourites.id", page)
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS}, favourites.id AS rel_id FROM favourites"
            f" JOIN accounts ON accounts.id = favourites.account_id WHERE favourites.status_id = ? AND {where} {order}",
            (status_id, *params),
        )
        found = {row["rel_id"]: account_from_row(row) for row in rows}
        return [(i, found[i]) for i in newest_first(list(found), page)]

    async def mute_thread(self, account_id: int, thread_id: int) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO thread_mutes (account_id, thread_id) VALUES (?, ?)", (account_id, thread_id)
        )

    async def unmute_thread(self, account_id: int, thread_id: int) -> None:
        await self._db.execute(
            "DELETE FROM thread_mutes WHERE account_id = ? AND thread_id = ?", (account_id, thread_id)
        )

    async def thread_muted(self, account_id: int, thread_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM thread_mutes WHERE account_id = ? AND thread_id = ?", (account_id, thread_id)
        )
        return row is not None

    async def interactors(self, status_ids: Sequence[int]) -> Mapping[int, int]:
        """How many distinct remote accounts favourited each status (for outside counts)."""
        if not status_ids:
            return {}
        rows = await self._db.fetch_all(
            "SELECT f.status_id, count(*) FROM favourites f JOIN accounts a ON a.id = f.account_id"
            f" WHERE a.domain IS NOT NULL AND f.status_id IN ({marks(status_ids)}) GROUP BY f.status_id",
            status_ids,
        )
        return {row[0]: row[1] for row in rows}
