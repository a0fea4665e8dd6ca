"""Follows (accepted and requested)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Account, Follow, FollowState, Page
from storage.sql.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sql.database import Database, Row
from storage.sql.paging import newest_first, page_clause
from storage.sql.read_back import read_back

FOLLOW_COLUMNS = "id, account_id, target_account_id, state, uri, show_reblogs, notify, created_at"


def follow_from_row(row: Row) -> Follow:
    return Follow(
        id=row["id"],
        account_id=row["account_id"],
        target_account_id=row["target_account_id"],
        state=FollowState(row["state"]),
        uri=row["uri"],
        show_reblogs=bool(row["show_reblogs"]),
        notify=bool(row["notify"]),
        created_at=from_db(row["created_at"]),
    )


class SqlFollowStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def follow(
        self,
        account_id: int,
        target_account_id: int,
        state: FollowState,
        *,
        uri: str | None = None,
        show_reblogs: bool = True,
        notify: bool = False,
    ) -> Follow:
        """Create the follow, or update its options; an accepted follow never drops back to pending."""
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO follows ({FOLLOW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (account_id, target_account_id) DO UPDATE SET"
                " show_reblogs = excluded.show_reblogs, notify = excluded.notify,"
                " uri = coalesce(excluded.uri, follows.uri),"
                " state = CASE WHEN follows.state = 'accepted' THEN 'accepted' ELSE excluded.state END",
                (self._ids.next_id(), account_id, target_account_id, state.value, uri, int(show_reblogs),
                 int(notify), to_db(utcnow())),
            )
            follow = await self.get(account_id, target_account_id)
        return read_back(follow, "the follow")

    async def get(self, account_id: int, target_account_id: int) -> Follow | None:
        row = await self._db.fetch_one(
            f"SELECT {FOLLOW_COLUMNS} FROM follows WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
        return follow_from_row(row) if row else None

    async def get_by_uri(self, uri: str) -> Follow | None:
        row = await self._db.fetch_one(f"SELECT {FOLLOW_COLUMNS} FROM follows WHERE uri = ?", (uri,))
        return follow_from_row(row) if row else None

    async def accept(self, follow_id: int) -> bool:
        return await self._db.execute("UPDATE follows SET state = 'accepted' WHERE id = ?", (follow_id,)) > 0

    async def remove(self, account_id: int, target_account_id: int) -> Follow | None:
        async with self._db.write():
            follow = await self.get(account_id, target_account_id)
            if follow is not None:
                await self._db.execute("DELETE FROM follows WHERE id = ?", (follow.id,))
        return follow

    async def followers(
        self, target_account_id: int, page: Page, *, state: FollowState = FollowState.ACCEPTED,
        remote_only: bool = False,
    ) -> Sequence[tuple[Follow, Account]]:
        return await self._related("account_id", "target_account_id", target_account_id, page, state, remote_only)

    async def following(
        self, account_id: int, page: Page, *, remote_only: bool = False
    ) -> Sequence[tuple[Follow, Account]]:
        return await self._related(
            "target_account_id", "account_id", account_id, page, FollowState.ACCEPTED, remote_only
        )

    async def _related(
        self, other: str, own: str, account_id: int, page: Page, state: FollowState, remote_only: bool
    ) -> Sequence[tuple[Follow, Account]]:
        where, params, order = page_clause("follows.id", page)
        remote = " AND accounts.domain IS NOT NULL" if remote_only else ""
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS}, follows.id AS f_id FROM follows"
            f" JOIN accounts ON accounts.id = follows.{other}"
            f" WHERE follows.{own} = ? AND follows.state = ?{remote} AND {where} {order}",
            (account_id, state.value, *params),
        )
        by_follow = {row["f_id"]: account_from_row(row) for row in rows}
        ordered = newest_first(list(by_follow), page)
        follows = {f.id: f for f in await self._by_ids(ordered)}
        return [(follows[i], by_follow[i]) for i in ordered if i in follows]

    async def _by_ids(self, ids: Sequence[int]) -> Sequence[Follow]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetch_all(f"SELECT {FOLLOW_COLUMNS} FROM follows WHERE id IN ({marks})", ids)
        return [follow_from_row(row) for row in rows]

    async def count_followers(self, account_id: int, *, remote_only: bool = False) -> int:
        return await self._count("account_id", "target_account_id", account_id, remote_only)

    async def count_following(self, account_id: int, *, remote_only: bool = False) -> int:
        return await self._count("target_account_id", "account_id", account_id, remote_only)

    async def _count(self, other: str, own: str, account_id: int, remote_only: bool) -> int:
        remote = " AND accounts.domain IS NOT NULL" if remote_only else ""
        row = await self._db.fetch_one(
            f"SELECT count(*) AS n FROM follows JOIN accounts ON accounts.id = follows.{other}"
            f" WHERE follows.{own} = ? AND follows.state = 'accepted'{remote}",
            (account_id,),
        )
        return int(row["n"]) if row else 0

    async def local_follower_ids(
        self, account_id: int, *, with_reblogs_only: bool = False, notify_only: bool = False
    ) -> Sequence[int]:
        reblogs = " AND follows.show_reblogs = 1" if with_reblogs_only else ""
        reblogs += " AND follows.notify = 1" if notify_only else ""
        rows = await self._db.fetch_all(
            "SELECT follows.account_id FROM follows JOIN accounts ON accounts.id = follows.account_id"
            f" WHERE follows.target_account_id = ? AND follows.state = 'accepted' AND accounts.domain IS NULL{reblogs}",
            (account_id,),
        )
        return [row[0] for row in rows]

    async def remote_followers(self, account_ids: Sequence[int]) -> Sequence[Account]:
        """Distinct remote accounts following any of ``account_ids``: the audience for deliveries."""
        if not account_ids:
            return []
        marks = ",".join("?" * len(account_ids))
        rows = await self._db.fetch_all(
            f"SELECT DISTINCT {QUALIFIED_ACCOUNT_COLUMNS} FROM follows JOIN accounts ON accounts.id = follows.account_id"
            f" WHERE follows.target_account_id IN ({marks}) AND follows.state = 'accepted'"
            " AND accounts.domain IS NOT NULL",
            account_ids,
        )
        return [account_from_row(row) for row in rows]

    async def count_requests(self, target_account_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT count(*) AS n FROM follows WHERE target_account_id = ? AND state = 'pending'",
            (target_account_id,),
        )
        return int(row["n"]) if row else 0
