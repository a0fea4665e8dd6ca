"""Followed hashtags."""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import from_db, to_db, utcnow
from storage.curation import TagFollow
from storage.ids import IdGenerator
from storage.models import Page, Tag
from storage.sql.database import Database
from storage.sql.paging import page_clause
from storage.sql.read_back import read_back
from storage.sql.statuses import marks
from storage.sql.timelines import NOT_BLOCKED, VISIBLE

FOLLOWER_SEES = VISIBLE.replace(":viewer", "tf.account_id")
FOLLOWER_NOT_BLOCKED = NOT_BLOCKED.replace(":viewer", "tf.account_id")


class SqlTagFollowStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def get_tag(self, name: str) -> Tag | None:
        row = await self._db.fetch_one("SELECT id, name, display_name FROM tags WHERE name = ?", (name,))
        return Tag(row["id"], row["name"], row["display_name"]) if row else None

    async def follow(self, account_id: int, name: str, display_name: str) -> Tag:
        now = to_db(utcnow())
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (self._ids.next_id(), name, display_name, now),
            )
            await self._db.execute(
                "INSERT OR IGNORE INTO tag_follows (id, account_id, tag_id, created_at)"
                " SELECT ?, ?, id, ? FROM tags WHERE name = ?",
                (self._ids.next_id(), account_id, now, name),
            )
            tag = await self.get_tag(name)
        return read_back(tag, "the followed tag")

    async def unfollow(self, account_id: int, tag_id: int) -> bool:
        return await self._db.execute(
            "DELETE FROM tag_follows WHERE account_id = ? AND tag_id = ?", (account_id, tag_id)
        ) > 0

    async def followed(self, account_id: int, page: Page) -> Sequence[TagFollow]:
        where, params, order = page_clause("tf.id", page)
        rows = await self._db.fetch_all(
            "SELECT tf.id, tf.account_id, tf.created_at, t.id AS tag_id, t.name, t.display_name FROM tag_follows tf"
            f" JOIN tags t ON t.id = tf.tag_id WHERE tf.account_id = ? AND {where} {order}",
            (account_id, *params),
        )
        found = [
            TagFollow(row["id"], row["account_id"], Tag(row["tag_id"], row["name"], row["display_name"]),
                      from_db(row["created_at"]))
            for row in rows
        ]
        return list(reversed(found)) if page.min_id is not None else found

    async def following(self, account_id: int, tag_ids: Sequence[int]) -> frozenset[int]:
        if not tag_ids:
            return frozenset()
        rows = await self._db.fetch_all(
            f"SELECT tag_id FROM tag_follows WHERE account_id = ? AND tag_id IN ({marks(tag_ids)})",
            (account_id, *tag_ids),
        )
        return frozenset(row[0] for row in rows)

    async def followers_for_status(self, status_id: int) -> Sequence[int]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT tf.account_id FROM statuses s JOIN status_tags st ON st.status_id = s.id"
            " JOIN tag_follows tf ON tf.tag_id = st.tag_id JOIN accounts a ON a.id = tf.account_id"
            f" WHERE s.id = ? AND s.deleted_at IS NULL AND a.domain IS NULL AND {FOLLOWER_SEES}"
            f" AND {FOLLOWER_NOT_BLOCKED} AND NOT EXISTS (SELECT 1 FROM mutes mu"
            " WHERE mu.account_id = tf.account_id AND mu.target_account_id = s.account_id)",
            (status_id,),
        )
        return [row[0] for row in rows]
