"""Direct conversations: direct statuses a participant may see, grouped by thread."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from storage.curation import Conversation
from storage.models import Page, Reader, reader_of
from storage.sql.database import Database
from storage.sql.paging import named_page_clause, newest_first
from storage.sql.timelines import NOT_BLOCKED, visible_to


def grouped(seen: str) -> str:
    """One row per thread of the direct statuses ``seen`` (a condition on ``s``): its last id and marks."""
    return f"""SELECT s.thread_id AS thread_id, max(s.id) AS last_id,
    max(coalesce(cm.read_up_to, 0)) AS read_up_to, max(coalesce(cm.removed_up_to, 0)) AS removed_up_to
    FROM statuses s LEFT JOIN conversation_marks cm ON cm.account_id = :viewer AND cm.thread_id = s.thread_id
    WHERE {seen} AND (:thread IS NULL OR s.thread_id = :thread) GROUP BY s.thread_id"""


def direct_seen(reader: Reader, params: dict[str, Any]) -> str:
    """Direct statuses the reader takes part in, through the one visibility rule."""
    return (f"s.visibility = 'direct' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL"
            f" AND {visible_to(reader, params)} AND {NOT_BLOCKED}")


class SqlConversationStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def listed(self, viewer: Reader | int, page: Page) -> Sequence[Conversation]:
        reader = reader_of(viewer)
        where, params, order = named_page_clause("c.last_id", page)
        rows = await self._grouped(reader, None, where, params, order)
        return await self._conversations(reader, rows, page)

    async def get(self, viewer: Reader | int, thread_id: int) -> Conversation | None:
        reader = reader_of(viewer)
        rows = await self._grouped(reader, thread_id, "1 = 1", {}, "")
        found = await self._conversations(reader, rows, None)
        return found[0] if found else None

    async def _grouped(
        self, reader: Reader, thread_id: int | None, where: str, params: dict[str, Any], order: str
    ) -> list[tuple[int, int, bool]]:
        account_id = reader.account_id
        params.update(thread=thread_id)
        rows = await self._db.fetch_all(
            f"SELECT c.thread_id, c.last_id, c.read_up_to, ls.account_id AS last_author"
            f" FROM ({grouped(direct_seen(reader, params))}) c"
            f" JOIN statuses ls ON ls.id = c.last_id WHERE c.last_id > c.removed_up_to AND {where} {order}",
            params,
        )
        return [
            (row["thread_id"], row["last_id"], row["last_author"] != account_id and row["last_id"] > row["read_up_to"])
            for row in rows
        ]

    async def _conversations(
        self, reader: Reader, rows: list[tuple[int, int, bool]], page: Page | None
    ) -> list[Conversation]:
        participants = await self._participants(reader, [thread_id for thread_id, _, _ in rows])
        found = [
            Conversation(thread_id, last_id, tuple(sorted(participants[thread_id])), unread)
            for thread_id, last_id, unread in rows
        ]
        if page is None:
            return found
        order = newest_first([c.last_status_id for c in found], page)
        by_last = {c.last_status_id: c for c in found}
        return [by_last[last_id] for last_id in order]

    async def _participants(self, reader: Reader, thread_ids: Sequence[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        if not thread_ids:
            return found
        params: dict[str, Any] = {}
        seen = direct_seen(reader, params)
        keys = []
        for index, thread_id in enumerate(thread_ids):
            params[f"t{index}"] = thread_id
            keys.append(f":t{index}")
        rows = await self._db.fetch_all(
            f"SELECT s.thread_id, s.account_id, pm.account_id AS mentioned FROM statuses s"
            f" LEFT JOIN status_mentions pm ON pm.status_id = s.id"
            f" WHERE s.thread_id IN ({', '.join(keys)}) AND {seen}",
            params,
        )
        for row in rows:
            found[row["thread_id"]].update(a for a in (row["account_id"], row["mentioned"]) if a is not None)
        for members in found.values():
            members.discard(reader.account_id)
        return found

    async def mark_read(self, account_id: int, thread_id: int, up_to: int) -> None:
        await self._db.execute(
            "INSERT INTO conversation_marks (account_id, thread_id, read_up_to) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, thread_id) DO UPDATE SET read_up_to = "
            + self._db.dialect.larger("conversation_marks.read_up_to", "excluded.read_up_to"),
            (account_id, thread_id, up_to),
        )

    async def remove(self, account_id: int, thread_id: int, up_to: int) -> None:
        larger = self._db.dialect.larger
        await self._db.execute(
            "INSERT INTO conversation_marks (account_id, thread_id, read_up_to, removed_up_to) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account_id, thread_id) DO UPDATE SET"
            f" removed_up_to = {larger('conversation_marks.removed_up_to', 'excluded.removed_up_to')},"
            f" read_up_to = {larger('conversation_marks.read_up_to', 'excluded.read_up_to')}",
            (account_id, thread_id, up_to, up_to),
        )
