"""Direct conversations: direct statuses a participant may see, grouped by thread, on SQLite."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from storage.curation import Conversation
from storage.models import Page
from storage.sqlite.database import Database
from storage.sqlite.paging import named_page_clause, newest_first
from storage.sqlite.timelines import NOT_BLOCKED, VISIBLE

DIRECT_SEEN = (
    f"s.visibility = 'direct' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL AND {VISIBLE} AND {NOT_BLOCKED}"
)
GROUPED = f"""SELECT s.thread_id AS thread_id, max(s.id) AS last_id,
    max(coalesce(cm.read_up_to, 0)) AS read_up_to, max(coalesce(cm.removed_up_to, 0)) AS removed_up_to
    FROM statuses s LEFT JOIN conversation_marks cm ON cm.account_id = :viewer AND cm.thread_id = s.thread_id
    WHERE {DIRECT_SEEN} AND :thread_filter GROUP BY s.thread_id"""


class SqliteConversationStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def listed(self, account_id: int, page: Page) -> Sequence[Conversation]:
        where, params, order = named_page_clause("c.last_id", page)
        rows = await self._grouped(account_id, None, where, params, order)
        return await self._conversations(account_id, rows, page)

    async def get(self, account_id: int, thread_id: int) -> Conversation | None:
        rows = await self._grouped(account_id, thread_id, "1 = 1", {}, "")
        found = await self._conversations(account_id, rows, None)
        return found[0] if found else None

    async def _grouped(
        self, account_id: int, thread_id: int | None, where: str, params: dict[str, Any], order: str
    ) -> list[tuple[int, int, bool]]:
        params.update(viewer=account_id, thread=thread_id)
        grouped = GROUPED.replace(":thread_filter", "(:thread IS NULL OR s.thread_id = :thread)")
        rows = await self._db.fetch_all(
            f"SELECT c.thread_id, c.last_id, c.read_up_to, ls.account_id AS last_author FROM ({grouped}) c"
            f" JOIN statuses ls ON ls.id = c.last_id WHERE c.last_id > c.removed_up_to AND {where} {order}",
            params,
        )
        return [
            (row["thread_id"], row["last_id"], row["last_author"] != account_id and row["last_id"] > row["read_up_to"])
            for row in rows
        ]

    async def _conversations(
        self, account_id: int, rows: list[tuple[int, int, bool]], page: Page | None
    ) -> list[Conversation]:
        participants = await self._participants(account_id, [thread_id for thread_id, _, _ in rows])
        found = [
            Conversation(thread_id, last_id, tuple(sorted(participants[thread_id])), unread)
            for thread_id, last_id, unread in rows
        ]
        if page is None:
            return found
        order = newest_first([c.last_status_id for c in found], page)
        by_last = {c.last_status_id: c for c in found}
        return [by_last[last_id] for last_id in order]

    async def _participants(self, account_id: int, thread_ids: Sequence[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        if not thread_ids:
            return found
        params: dict[str, Any] = {"viewer": account_id}
        keys = []
        for index, thread_id in enumerate(thread_ids):
            params[f"t{index}"] = thread_id
            keys.append(f":t{index}")
        rows = await self._db.fetch_all(
            f"SELECT s.thread_id, s.account_id, pm.account_id AS mentioned FROM statuses s"
            f" LEFT JOIN status_mentions pm ON pm.status_id = s.id"
            f" WHERE s.thread_id IN ({', '.join(keys)}) AND {DIRECT_SEEN}",
            params,
        )
        for row in rows:
            found[row["thread_id"]].update(a for a in (row["account_id"], row["mentioned"]) if a is not None)
        for members in found.values():
            members.discard(account_id)
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
