"""Lists of followed accounts and their timelines."""

from __future__ import annotations

from collections.abc import Sequence

from activitypub.errors import NotFound
from storage.clock import to_db, utcnow
from storage.curation import AccountList, RepliesPolicy
from storage.ids import IdGenerator
from storage.models import Account, Page, Reader
from storage.sql.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sql.database import Database, Row
from storage.sql.paging import named_page_clause, newest_first, page_clause
from storage.sql.statuses import marks
from storage.sql.timelines import NOT_BLOCKED, VISIBLE, mail_of

LIST_COLUMNS = "l.id, l.account_id, l.title, l.replies_policy, l.exclusive"

# The timelines store's one visibility rule, with the list's owner as the viewer.
OWNER_SEES = VISIBLE.replace(":viewer", "l.account_id")
OWNER_NOT_BLOCKED = NOT_BLOCKED.replace(":viewer", "l.account_id")
OWNER_NOT_MUTED = (
    "NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = l.account_id AND mu.target_account_id = s.account_id)"
)
# Mastodon's FeedManager#filter_from_list?: a reply to someone else shows only
# if it answers the owner, or someone the policy admits.
REPLIES_ADMITTED = """(
    s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id
    OR s.in_reply_to_account_id = l.account_id
    OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = l.account_id
        AND rf.target_account_id = s.in_reply_to_account_id AND rf.state = 'accepted'))
    OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts rl WHERE rl.list_id = l.id
        AND rl.account_id = s.in_reply_to_account_id))
)"""
SHOWN_IN_LIST = " AND ".join(("s.deleted_at IS NULL", OWNER_SEES, OWNER_NOT_BLOCKED, OWNER_NOT_MUTED, REPLIES_ADMITTED))


def list_from_row(row: Row) -> AccountList:
    return AccountList(
        id=row["id"], account_id=row["account_id"], title=row["title"],
        replies_policy=RepliesPolicy(row["replies_policy"]), exclusive=bool(row["exclusive"]),
    )


class SqlListStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, account_id: int, title: str, replies_policy: RepliesPolicy, exclusive: bool) -> AccountList:
        list_id = self._ids.next_id()
        await self._db.execute(
            "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (list_id, account_id, title, replies_policy.value, int(exclusive), to_db(utcnow())),
        )
        return AccountList(list_id, account_id, title, replies_policy, exclusive)

    async def get(self, account_id: int, list_id: int) -> AccountList | None:
        row = await self._db.fetch_one(
            f"SELECT {LIST_COLUMNS} FROM lists l WHERE l.id = ? AND l.account_id = ?", (list_id, account_id)
        )
        return list_from_row(row) if row else None

    async def owned(self, account_id: int) -> Sequence[AccountList]:
        rows = await self._db.fetch_all(
            f"SELECT {LIST_COLUMNS} FROM lists l WHERE l.account_id = ? ORDER BY lower(l.title), l.id", (account_id,)
        )
        return [list_from_row(row) for row in rows]

    async def update(self, list_id: int, title: str, replies_policy: RepliesPolicy, exclusive: bool) -> AccountList:
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
                (title, replies_policy.value, int(exclusive), list_id),
            )
            row = await self._db.fetch_one(f"SELECT {LIST_COLUMNS} FROM lists l WHERE l.id = ?", (list_id,))
        if not changed or row is None:
            raise NotFound()
        return list_from_row(row)

    async def delete(self, account_id: int, list_id: int) -> bool:
        return await self._db.execute("DELETE FROM lists WHERE id = ? AND account_id = ?", (list_id, account_id)) > 0

    async def add_accounts(self, list_id: int, account_ids: Sequence[int]) -> Sequence[int]:
        wanted = list(dict.fromkeys(account_ids))
        if not wanted:
            return []
        async with self._db.write():
            rows = await self._db.fetch_all(
                f"SELECT f.id, f.target_account_id FROM follows f JOIN lists l ON l.account_id = f.account_id"
                f" WHERE l.id = ? AND f.target_account_id IN ({marks(wanted)})",
                (list_id, *wanted),
            )
            follows = {row["target_account_id"]: row["id"] for row in rows}
            missing = [account_id for account_id in wanted if account_id not in follows]
            if missing:
                return missing
            for account_id in wanted:
                await self._db.execute(
                    "INSERT OR IGNORE INTO list_accounts (id, list_id, account_id, follow_id) VALUES (?, ?, ?, ?)",
                    (self._ids.next_id(), list_id, account_id, follows[account_id]),
                )
        return []

    async def remove_accounts(self, list_id: int, account_ids: Sequence[int]) -> int:
        if not account_ids:
            return 0
        return await self._db.execute(
            f"DELETE FROM list_accounts WHERE list_id = ? AND account_id IN ({marks(account_ids)})",
            (list_id, *account_ids),
        )

    async def members(self, list_id: int, page: Page | None) -> Sequence[tuple[int, Account]]:
        where, params, order = page_clause("la.id", page) if page else ("1 = 1", [], "ORDER BY la.id DESC")
        rows = await self._db.fetch_all(
            f"SELECT la.id AS membership_id, {QUALIFIED_ACCOUNT_COLUMNS} FROM list_accounts la"
            f" JOIN accounts ON accounts.id = la.account_id WHERE la.list_id = ? AND {where} {order}",
            (list_id, *params),
        )
        found = [(row["membership_id"], account_from_row(row)) for row in rows]
        return list(reversed(found)) if page and page.min_id is not None else found

    async def with_member(self, account_id: int, member_id: int) -> Sequence[AccountList]:
        rows = await self._db.fetch_all(
            f"SELECT {LIST_COLUMNS} FROM lists l JOIN list_accounts la ON la.list_id = l.id"
            f" WHERE l.account_id = ? AND la.account_id = ? ORDER BY lower(l.title), l.id",
            (account_id, member_id),
        )
        return [list_from_row(row) for row in rows]

    async def timeline(self, list_id: int, page: Page, *, reader: Reader | None = None) -> Sequence[int]:
        where, params, order = named_page_clause("s.id", page)
        params["list"] = list_id
        rows = await self._db.fetch_all(
            f"SELECT s.id FROM lists l JOIN list_accounts la ON la.list_id = l.id"
            f" JOIN statuses s ON s.account_id = la.account_id"
            f" WHERE l.id = :list AND {where} AND {SHOWN_IN_LIST} AND {mail_of(reader, params)} {order}",
            params,
        )
        return newest_first([row[0] for row in rows], page)

    async def lists_for_status(self, status_id: int) -> Sequence[AccountList]:
        rows = await self._db.fetch_all(
            f"SELECT {LIST_COLUMNS} FROM statuses s JOIN list_accounts la ON la.account_id = s.account_id"
            f" JOIN lists l ON l.id = la.list_id WHERE s.id = ? AND {SHOWN_IN_LIST}",
            (status_id,),
        )
        return [list_from_row(row) for row in rows]

    async def exclusive_owner_ids(self, member_id: int) -> frozenset[int]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT l.account_id FROM lists l JOIN list_accounts la ON la.list_id = l.id"
            " WHERE la.account_id = ? AND l.exclusive = 1",
            (member_id,),
        )
        return frozenset(row[0] for row in rows)
