"""Hashtag and link use per day, staff engagement with statuses, and featured hashtags.

One SQL text for both engines: days are the first ten characters of the
stored ISO timestamps (``substr``, which both accept), so grouping by day
needs no date function of either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import Reader, Tag
from storage.remote_media import PreviewCard
from storage.sql.cards import CARD_COLUMNS, card_from_row
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back
from storage.sql.timelines import NOT_BLOCKED, visible_to
from storage.trends import DayUse, Engagement, FeaturedTag

DAY = "substr(s.created_at, 1, 10)"
NOT_MUTED = "NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = :viewer AND mu.target_account_id = s.account_id)"
# A status every member of staff may see: the only ones trends and featured-tag counts are taken over.
SHARED = "s.visibility IN ('public', 'unlisted') AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL"
LIVE = "s.deleted_at IS NULL AND s.reblog_of_id IS NULL"
# Favourites, boosts and (shared) replies since :since, as (status_id, account_id, created_at).
ENGAGEMENTS = """(
    SELECT f.status_id AS status_id, f.account_id AS account_id, f.created_at AS created_at
        FROM favourites f WHERE f.created_at >= :since
    UNION ALL SELECT r.reblog_of_id, r.account_id, r.created_at FROM statuses r
        WHERE r.reblog_of_id IS NOT NULL AND r.deleted_at IS NULL AND r.created_at >= :since
    UNION ALL SELECT r.in_reply_to_id, r.account_id, r.created_at FROM statuses r
        WHERE r.in_reply_to_id IS NOT NULL AND r.deleted_at IS NULL AND r.created_at >= :since
        AND r.visibility IN ('public', 'unlisted')
)"""


def named_marks(prefix: str, values: Sequence[int], params: dict[str, object]) -> str:
    """``:p0, :p1, ...`` for ``values``, which are put in ``params``."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    params.update(zip(names, (int(v) for v in values), strict=True))
    return ", ".join(":" + name for name in names)


def day_use(row: Row) -> DayUse:
    return DayUse(day=row["day"], uses=int(row["uses"]), accounts=int(row["accounts"]))


class SqlTrendStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def tag_history(
        self, reader: Reader | None, tag_ids: Sequence[int], since: datetime
    ) -> Mapping[int, Sequence[DayUse]]:
        if not tag_ids:
            return {}
        params: dict[str, object] = {"since": to_db(since)}
        seen = visible_to(reader, params) if reader is not None else "s.publication_state = 'published'"
        rows = await self._db.fetch_all(
            f"SELECT st.tag_id AS tag_id, {DAY} AS day, count(*) AS uses, count(DISTINCT s.account_id) AS accounts"
            " FROM status_tags st JOIN statuses s ON s.id = st.status_id"
            f" WHERE st.tag_id IN ({named_marks('t', tag_ids, params)}) AND s.created_at >= :since AND {LIVE}"
            f" AND {seen} GROUP BY st.tag_id, {DAY} ORDER BY day",
            params,
        )
        found: dict[int, list[DayUse]] = defaultdict(list)
        for row in rows:
            found[row["tag_id"]].append(day_use(row))
        return found

    async def tag_days(self, reader: Reader, since: datetime) -> Mapping[Tag, Sequence[DayUse]]:
        params: dict[str, object] = {"since": to_db(since), "viewer": reader.account_id}
        rows = await self._db.fetch_all(
            f"SELECT t.id AS id, t.name AS name, t.display_name AS display_name, {DAY} AS day,"
            " count(*) AS uses, count(DISTINCT s.account_id) AS accounts"
            " FROM status_tags st JOIN statuses s ON s.id = st.status_id JOIN tags t ON t.id = st.tag_id"
            f" WHERE s.created_at >= :since AND {SHARED} AND {NOT_BLOCKED}"
            f" GROUP BY t.id, t.name, t.display_name, {DAY} ORDER BY day",
            params,
        )
        found: dict[Tag, list[DayUse]] = defaultdict(list)
        for row in rows:
            found[Tag(row["id"], row["name"], row["display_name"])].append(day_use(row))
        return found

    async def engagement(self, reader: Reader, since: datetime) -> Sequence[Engagement]:
        params: dict[str, object] = {"since": to_db(since), "viewer": reader.account_id}
        rows = await self._db.fetch_all(
            "SELECT e.status_id AS status_id, substr(e.created_at, 1, 10) AS day, count(*) AS n"
            f" FROM {ENGAGEMENTS} e JOIN statuses s ON s.id = e.status_id JOIN accounts a ON a.id = e.account_id"
            f" WHERE a.domain IS NULL AND e.account_id <> s.account_id AND {SHARED} AND {NOT_BLOCKED} AND {NOT_MUTED}"
            " GROUP BY e.status_id, substr(e.created_at, 1, 10) ORDER BY e.status_id, day",
            params,
        )
        return [Engagement(row["status_id"], row["day"], int(row["n"])) for row in rows]

    async def link_days(self, reader: Reader, since: datetime) -> Mapping[int, Sequence[DayUse]]:
        params: dict[str, object] = {"since": to_db(since), "viewer": reader.account_id}
        rows = await self._db.fetch_all(
            f"SELECT sc.card_id AS card_id, {DAY} AS day, count(*) AS uses, count(DISTINCT s.account_id) AS accounts"
            " FROM status_cards sc JOIN statuses s ON s.id = sc.status_id"
            f" WHERE s.created_at >= :since AND {SHARED} AND {NOT_BLOCKED}"
            f" GROUP BY sc.card_id, {DAY} ORDER BY day",
            params,
        )
        found: dict[int, list[DayUse]] = defaultdict(list)
        for row in rows:
            found[row["card_id"]].append(day_use(row))
        return found

    async def cards(self, card_ids: Sequence[int]) -> Mapping[int, PreviewCard]:
        if not card_ids:
            return {}
        params: dict[str, object] = {}
        rows = await self._db.fetch_all(
            f"SELECT {CARD_COLUMNS} FROM preview_cards WHERE id IN ({named_marks('c', card_ids, params)})", params
        )
        return {row["id"]: card_from_row(row) for row in rows}


FEATURED = f"""SELECT ft.id AS id, ft.account_id AS account_id, t.id AS tag_id, t.name AS name,
    t.display_name AS display_name,
    (SELECT count(*) FROM status_tags st JOIN statuses s ON s.id = st.status_id
        WHERE st.tag_id = ft.tag_id AND s.account_id = ft.account_id AND {SHARED}) AS statuses_count,
    (SELECT max(s.created_at) FROM status_tags st JOIN statuses s ON s.id = st.status_id
        WHERE st.tag_id = ft.tag_id AND s.account_id = ft.account_id AND {SHARED}) AS last_status_at
    FROM featured_tags ft JOIN tags t ON t.id = ft.tag_id"""


def featured_from_row(row: Row) -> FeaturedTag:
    last = row["last_status_at"]
    return FeaturedTag(
        id=row["id"], account_id=row["account_id"], tag=Tag(row["tag_id"], row["name"], row["display_name"]),
        statuses_count=int(row["statuses_count"]), last_status_at=from_db(last) if last else None,
    )


class SqlFeaturedTagStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def list(self, account_id: int) -> Sequence[FeaturedTag]:
        rows = await self._db.fetch_all(f"{FEATURED} WHERE ft.account_id = ? ORDER BY ft.id", (account_id,))
        return [featured_from_row(row) for row in rows]

    async def _find(self, account_id: int, name: str) -> FeaturedTag | None:
        row = await self._db.fetch_one(f"{FEATURED} WHERE ft.account_id = ? AND t.name = ?", (account_id, name))
        return featured_from_row(row) if row else None

    async def add(self, account_id: int, name: str, display_name: str, limit: int) -> FeaturedTag | None:
        now = to_db(utcnow())
        async with self._db.write():
            existing = await self._find(account_id, name)
            if existing is not None:
                return existing
            count = await self._db.fetch_one("SELECT count(*) FROM featured_tags WHERE account_id = ?", (account_id,))
            if int(count[0]) >= limit:
                return None
            await self._db.execute(
                "INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (self._ids.next_id(), name, display_name, now),
            )
            await self._db.execute(
                "INSERT INTO featured_tags (id, account_id, tag_id, created_at) SELECT ?, ?, id, ? FROM tags WHERE name = ?",
                (self._ids.next_id(), account_id, now, name),
            )
            added = await self._find(account_id, name)
        return read_back(added, "the featured tag")

    async def remove(self, account_id: int, featured_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM featured_tags WHERE account_id = ? AND id = ?", (account_id, featured_id)
        ) > 0

    async def suggestions(self, account_id: int, limit: int) -> Sequence[Tag]:
        rows = await self._db.fetch_all(
            "SELECT t.id AS id, t.name AS name, t.display_name AS display_name"
            " FROM status_tags st JOIN statuses s ON s.id = st.status_id JOIN tags t ON t.id = st.tag_id"
            f" WHERE s.account_id = ? AND {SHARED} AND NOT EXISTS (SELECT 1 FROM featured_tags ft"
            " WHERE ft.account_id = s.account_id AND ft.tag_id = t.id)"
            " GROUP BY t.id, t.name, t.display_name ORDER BY max(s.id) DESC LIMIT ?",
            (account_id, limit),
        )
        return [Tag(row["id"], row["name"], row["display_name"]) for row in rows]
