"""Reach of our posts (``status_views``, ``reader_weeks``) and the counts analytics takes over it.

One SQL text for both engines. Days are the first ten characters of the
stored ISO timestamps, as in storage/sql/trends.py. A set of posts
(``PostSet``) becomes one subquery of status ids, so a count over an
author's thousand posts is one statement, never a list of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from storage.reach import InsideEngagement, PostSet, ReachDay, View, week_of
from storage.sql.database import Database
from storage.sql.trends import named_marks

INSERT_VIEWS = "INSERT INTO status_views (status_id, day, account_id) VALUES {} ON CONFLICT DO NOTHING"
INSERT_WEEKS = "INSERT INTO reader_weeks (week, account_id) VALUES {} ON CONFLICT DO NOTHING"
# Rows per INSERT statement: one round trip each, well under both engines' limits on bound parameters.
ROWS_PER_STATEMENT = 1_000
DAY = "substr(s.created_at, 1, 10)"
LIVE = "s.local = 1 AND s.reblog_of_id IS NULL AND s.deleted_at IS NULL"
SHARED = "s.visibility IN ('public', 'unlisted')"


def selected(posts: PostSet, params: dict[str, object]) -> str:
    """A subquery of the ids of ``posts``; its parameters go in ``params``."""
    conditions = [LIVE]
    if posts.status_id is not None:
        conditions.append("s.id = :post")
        params["post"] = posts.status_id
    else:
        conditions.append(SHARED)
        if posts.since is not None:
            conditions.append(f"{DAY} >= :since")
        if posts.until is not None:
            conditions.append(f"{DAY} <= :until")
    if posts.author_id is not None:
        conditions.append("s.account_id = :author")
        params["author"] = posts.author_id
    if posts.department_id is not None:
        conditions.append("(s.account_id = :department OR s.account_id IN"
                          " (SELECT dm.account_id FROM department_members dm WHERE dm.department_id = :department))")
        params["department"] = posts.department_id
    if posts.tag is not None:
        conditions.append("s.id IN (SELECT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id"
                          " WHERE t.name = :tag)")
        params["tag"] = posts.tag
    _period(posts, params)
    return f"SELECT s.id FROM statuses s WHERE {' AND '.join(conditions)}"


def _period(posts: PostSet, params: dict[str, object]) -> None:
    params["since"] = posts.since or "0000-00-00"
    params["until"] = posts.until or "9999-99-99"


def viewed(posts: PostSet, params: dict[str, object], join: str = "") -> str:
    """The views of ``posts`` on the days of the period, as ``v`` (``join``ed to more tables if given)."""
    return (f"status_views v {join} WHERE v.status_id IN ({selected(posts, params)})"
            " AND v.day >= :since AND v.day <= :until")


def _chunks(rows: Sequence[tuple[object, ...]]) -> list[Sequence[tuple[object, ...]]]:
    return [rows[start:start + ROWS_PER_STATEMENT] for start in range(0, len(rows), ROWS_PER_STATEMENT)]


def _values(statement: str, rows: Sequence[tuple[object, ...]]) -> str:
    """One multi-row INSERT: ``(?, ?), (?, ?)...`` for ``rows``."""
    one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
    return statement.format(", ".join([one] * len(rows)))


class SqlReachStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, views: Sequence[View]) -> int:
        if not views:
            return 0
        weeks = sorted({(week_of(v.day), v.account_id) for v in views})
        added = 0
        async with self._db.write():
            for rows in _chunks([(v.status_id, v.day, v.account_id) for v in views]):
                added += await self._db.execute(_values(INSERT_VIEWS, rows), [x for row in rows for x in row])
            for rows in _chunks(weeks):
                await self._db.execute(_values(INSERT_WEEKS, rows), [x for row in rows for x in row])
        return added

    async def reach(self, posts: PostSet) -> int:
        params: dict[str, object] = {}
        row = await self._db.fetch_one(f"SELECT count(DISTINCT v.account_id) AS n FROM {viewed(posts, params)}", params)
        return int(row["n"]) if row else 0

    async def reach_by_post(self, status_ids: Sequence[int]) -> Mapping[int, int]:
        if not status_ids:
            return {}
        params: dict[str, object] = {}
        rows = await self._db.fetch_all(
            "SELECT status_id, count(DISTINCT account_id) AS n FROM status_views"
            f" WHERE status_id IN ({named_marks('p', status_ids, params)}) GROUP BY status_id", params)
        return {int(row["status_id"]): int(row["n"]) for row in rows}

    async def days(self, posts: PostSet) -> Sequence[ReachDay]:
        params: dict[str, object] = {}
        daily = await self._db.fetch_all(
            f"SELECT v.day AS day, count(DISTINCT v.account_id) AS n FROM {viewed(posts, params)}"
            " GROUP BY v.day ORDER BY v.day", params)
        firsts = await self._db.fetch_all(
            f"SELECT first_day, count(*) AS n FROM (SELECT min(v.day) AS first_day FROM {viewed(posts, params)}"
            " GROUP BY v.account_id) f GROUP BY first_day", params)
        first = {row["first_day"]: int(row["n"]) for row in firsts}
        return [ReachDay(row["day"], int(row["n"]), first.get(row["day"], 0)) for row in daily]

    async def departments(self, posts: PostSet) -> Mapping[int | None, int]:
        params: dict[str, object] = {}
        views = viewed(posts, params)
        members = viewed(posts, params, "JOIN department_members dm ON dm.account_id = v.account_id")
        rows = await self._db.fetch_all(
            f"SELECT dm.department_id AS department_id, count(DISTINCT v.account_id) AS n FROM {members}"
            " GROUP BY dm.department_id", params)
        found: dict[int | None, int] = {int(row["department_id"]): int(row["n"]) for row in rows}
        loose = await self._db.fetch_one(
            f"SELECT count(DISTINCT v.account_id) AS n FROM {views} AND NOT EXISTS"
            " (SELECT 1 FROM department_members dm WHERE dm.account_id = v.account_id)", params)
        if loose and int(loose["n"]):
            found[None] = int(loose["n"])
        return found

    async def top(self, posts: PostSet, limit: int) -> Sequence[tuple[int, int]]:
        params: dict[str, object] = {"limit": limit}
        rows = await self._db.fetch_all(
            f"SELECT v.status_id AS status_id, count(DISTINCT v.account_id) AS n FROM {viewed(posts, params)}"
            " GROUP BY v.status_id ORDER BY n DESC, v.status_id DESC LIMIT :limit", params)
        return [(int(row["status_id"]), int(row["n"])) for row in rows]

    async def post_ids(self, posts: PostSet, limit: int) -> Sequence[int]:
        params: dict[str, object] = {"limit": limit}
        rows = await self._db.fetch_all(f"{selected(posts, params)} ORDER BY s.id DESC LIMIT :limit", params)
        return [int(row["id"]) for row in rows]

    async def posts_per_day(self, posts: PostSet) -> Sequence[tuple[str, int]]:
        params: dict[str, object] = {}
        rows = await self._db.fetch_all(
            f"SELECT {DAY} AS day, count(*) AS n FROM statuses s WHERE s.id IN ({selected(posts, params)})"
            " GROUP BY day ORDER BY day", params)
        return [(row["day"], int(row["n"])) for row in rows]

    async def engagement(self, posts: PostSet) -> InsideEngagement:
        params: dict[str, object] = {}
        ids = selected(posts, params)
        staff = "JOIN accounts a ON a.id = {0}.account_id AND a.domain IS NULL"
        not_author = "{0}.account_id <> (SELECT o.account_id FROM statuses o WHERE o.id = {1})"
        row = await self._db.fetch_one(
            "SELECT"
            f" (SELECT count(*) FROM favourites f {staff.format('f')} WHERE f.status_id IN ({ids})"
            f" AND {not_author.format('f', 'f.status_id')}) AS favourites,"
            f" (SELECT count(*) FROM statuses r {staff.format('r')} WHERE r.reblog_of_id IN ({ids})"
            f" AND r.deleted_at IS NULL AND {not_author.format('r', 'r.reblog_of_id')}) AS reblogs,"
            f" (SELECT count(*) FROM statuses r {staff.format('r')} WHERE r.in_reply_to_id IN ({ids})"
            f" AND r.deleted_at IS NULL AND {not_author.format('r', 'r.in_reply_to_id')}) AS replies,"
            f" (SELECT count(*) FROM (SELECT DISTINCT pv.poll_id, pv.account_id FROM poll_votes pv"
            f" {staff.format('pv')} JOIN polls p ON p.id = pv.poll_id WHERE p.status_id IN ({ids})) voters) AS poll_votes",
            params)
        if row is None:
            return InsideEngagement()
        return InsideEngagement(int(row["favourites"]), int(row["reblogs"]), int(row["replies"]),
                                int(row["poll_votes"]))

    async def readers_by_week(self, since_week: str, until_week: str) -> Sequence[tuple[str, int]]:
        rows = await self._db.fetch_all(
            "SELECT w.week AS week, w.account_id AS account_id FROM reader_weeks w"
            " WHERE w.week >= :since AND w.week <= :until", {"since": since_week, "until": until_week})
        return [(row["week"], int(row["account_id"])) for row in rows]

    async def posters_by_day(self, since: str, until: str) -> Sequence[tuple[str, int]]:
        rows = await self._db.fetch_all(
            f"SELECT DISTINCT {DAY} AS day, s.account_id AS account_id FROM statuses s"
            " JOIN accounts a ON a.id = s.account_id AND a.kind = 'employee' AND a.domain IS NULL"
            f" WHERE s.local = 1 AND s.deleted_at IS NULL AND {DAY} >= :since AND {DAY} <= :until",
            {"since": since, "until": until})
        return [(row["day"], int(row["account_id"])) for row in rows]

    async def memberships(self) -> Mapping[int, frozenset[int]]:
        rows = await self._db.fetch_all(
            "SELECT dm.account_id AS account_id, dm.department_id AS department_id FROM department_members dm"
            " JOIN accounts a ON a.id = dm.account_id AND a.kind = 'employee'")
        found: dict[int, set[int]] = defaultdict(set)
        for row in rows:
            found[int(row["account_id"])].add(int(row["department_id"]))
        return {account: frozenset(departments) for account, departments in found.items()}
