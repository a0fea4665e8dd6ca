"""Timelines: the home feed written at post time, and the filtered views read on demand.

Which statuses a viewer may see is decided here, once, for every read:
``VISIBLE`` for an account reading as itself, and ``visible_to(reader)`` for
a ``Reader`` (a token acting as the company or a department for a human who
is not an admin), which adds ``MAIL``: a direct status shows only if it is
the human's own mail as well. Conversations, search, lists and notifications
use these same conditions.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import to_db, utcnow
from storage.models import Page, Reader, StatusFilter, reader_of
from storage.sql.database import Database
from storage.sql.paging import named_page_clause, newest_first

# Which statuses a local viewer (?1) may see inside: shared with all staff, their
# own, private ones of accounts they follow, and those that mention them or a
# department they belong to.
VISIBLE = """(
    s.visibility IN ('public', 'unlisted') OR s.account_id = :viewer
    OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = :viewer
        AND f.target_account_id = s.account_id AND f.state = 'accepted'))
    OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND (m.account_id = :viewer
        OR m.account_id IN (SELECT department_id FROM department_members WHERE account_id = :viewer)))
)"""
# A direct status is the mail of :mail (its author, mentioned, or a member of a mentioned department).
# Any other status passes: MAIL narrows only what direct mail a reader sees.
MAIL = """(
    s.visibility <> 'direct' OR s.account_id = :mail
    OR EXISTS (SELECT 1 FROM status_mentions rm WHERE rm.status_id = s.id AND (rm.account_id = :mail
        OR rm.account_id IN (SELECT department_id FROM department_members WHERE account_id = :mail)))
)"""
NOT_BLOCKED = """NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = :viewer AND b.target_account_id = s.account_id)
    OR (b.target_account_id = :viewer AND b.account_id = s.account_id))"""
HAS_MEDIA = "EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = coalesce(s.reblog_of_id, s.id))"


def visible_to(viewer: Reader | int, params: dict[str, object]) -> str:
    """The condition on ``s`` that ``viewer`` may see it, with its parameters put in ``params``."""
    reader = reader_of(viewer)
    params["viewer"] = reader.account_id
    return f"({VISIBLE} AND {mail_of(reader, params)})" if reader.restricted else VISIBLE


def mail_of(viewer: Reader | int | None, params: dict[str, object]) -> str:
    """``MAIL`` for a restricted reader; for any other (or none), a condition that always holds."""
    reader = reader_of(viewer) if viewer is not None else None
    if reader is None or not reader.restricted:
        return "1 = 1"
    params["mail"] = reader.mail_of
    return MAIL


class SqlTimelineStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add_to_home(self, status_id: int, account_ids: Sequence[int]) -> None:
        if account_ids:
            await self._db.execute(
                # The WHERE tells SQLite's parser the ON starts the upsert, not a join.
                f"INSERT INTO home_feed (account_id, status_id) SELECT value, ? FROM {self._db.dialect.elements()} AS ids"
                " WHERE 1 = 1 ON CONFLICT DO NOTHING",
                (status_id, "[" + ",".join(str(int(a)) for a in set(account_ids)) + "]"),
            )

    async def remove_from_home(self, account_id: int, author_id: int) -> None:
        """Unfollowing drops the author's posts from the home feed, as Mastodon does."""
        await self._db.execute(
            "DELETE FROM home_feed WHERE account_id = ? AND status_id IN (SELECT id FROM statuses WHERE account_id = ?)",
            (account_id, author_id),
        )

    async def mark_broadcast(self, account_id: int) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO broadcast_accounts (account_id, created_at) VALUES (?, ?)",
            (account_id, to_db(utcnow())),
        )

    async def is_broadcast(self, account_id: int) -> bool:
        return await self._db.fetch_one(
            "SELECT 1 FROM broadcast_accounts WHERE account_id = ?", (account_id,)
        ) is not None

    async def home(self, viewer: Reader | int, page: Page) -> Sequence[int]:
        """Written feed entries, merged with the posts of followed broadcast accounts (read at query time).

        Each source is filtered and limited on its own index, newest (or, with
        ``min_id``, oldest) first, so a page costs an index range scan whether
        or not the viewer follows a broadcast account.
        """
        reader = reader_of(viewer)
        account_id = reader.account_id
        feed_where, params, order = named_page_clause("h.status_id", page)
        params.update({"viewer": account_id, "now": to_db(utcnow()), "limit": page.limit})
        direction = "ASC" if page.min_id is not None else "DESC"
        visible = (
            "s.deleted_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = :viewer AND mu.target_account_id = s.account_id"
            " AND (mu.expires_at IS NULL OR mu.expires_at > :now))"
            " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = :viewer AND b.target_account_id = s.account_id)"
            f" AND {mail_of(reader, params)}"
        )
        feed = (
            f"SELECT h.status_id AS id FROM home_feed h JOIN statuses s ON s.id = h.status_id"
            f" WHERE h.account_id = :viewer AND {feed_where} AND {visible} {order}"
        )
        broadcasters = await self._db.fetch_all(
            "SELECT b.account_id FROM broadcast_accounts b JOIN follows f ON f.target_account_id = b.account_id"
            " WHERE f.account_id = ? AND f.state = 'accepted'",
            (account_id,),
        )
        if not broadcasters:
            rows = await self._db.fetch_all(feed, params)
            return newest_first([row[0] for row in rows], page)
        broadcast_where = feed_where.replace("h.status_id", "s.id")
        merged = (
            f"SELECT id FROM ({feed}) AS feed UNION SELECT id FROM ("
            " SELECT s.id AS id FROM follows f JOIN statuses s ON s.account_id = f.target_account_id"
            " WHERE f.account_id = :viewer AND f.state = 'accepted'"
            " AND f.target_account_id IN (SELECT account_id FROM broadcast_accounts)"
            f" AND s.visibility <> 'direct' AND (s.reblog_of_id IS NULL OR f.show_reblogs = 1) AND {broadcast_where}"
            f" AND {visible} ORDER BY s.id {direction} LIMIT :limit) AS broadcast"
            f" ORDER BY id {direction} LIMIT :limit"
        )
        rows = await self._db.fetch_all(merged, params)
        return newest_first([row[0] for row in rows], page)

    async def statuses(
        self, viewer: Reader | int, page: Page, flt: StatusFilter, *, account_id: int | None = None,
        mentioning: int | None = None, by_members_of: int | None = None,
    ) -> Sequence[int]:
        """The public, tag, account and department timelines: one query, composed from ``flt``."""
        where, params, order = named_page_clause("s.id", page)
        conditions = ["s.deleted_at IS NULL", visible_to(viewer, params), NOT_BLOCKED, where,
                      *_filter_conditions(flt, params)]
        if account_id is not None:
            conditions.append("s.account_id = :account")
            params["account"] = account_id
        if (department := _department_condition(mentioning, by_members_of, params)) is not None:
            conditions.append(department)
        rows = await self._db.fetch_all(f"SELECT s.id FROM statuses s WHERE {' AND '.join(conditions)} {order}", params)
        return newest_first([row[0] for row in rows], page)

    async def visible_ids(self, viewer: Reader | int, status_ids: Sequence[int]) -> frozenset[int]:
        """Which of ``status_ids`` the viewer may see inside (not deleted, not blocked)."""
        if not status_ids:
            return frozenset()
        params: dict[str, object] = {}
        visible = visible_to(viewer, params)
        keys = []
        for index, status_id in enumerate(status_ids):
            params[f"s{index}"] = status_id
            keys.append(f":s{index}")
        rows = await self._db.fetch_all(
            f"SELECT s.id FROM statuses s WHERE s.id IN ({', '.join(keys)}) AND s.deleted_at IS NULL"
            f" AND {visible} AND {NOT_BLOCKED}",
            params,
        )
        return frozenset(row[0] for row in rows)

    async def individual_viewers(self, status_ids: Sequence[int]) -> frozenset[int] | None:
        """Who may see these statuses otherwise than every other local viewer does; None if seeing them
        at all depends on the viewer (then each viewer is asked for on its own).

        Outside the answer, every local viewer may see them (VISIBLE holds for public and unlisted
        posts) and sees the same: no block or mute involves them and an author or mentioned account,
        they neither favourited, boosted, bookmarked, pinned nor voted, muted no thread, and have no
        filter. The answer may hold more than that (expired mutes, filters of other contexts).
        """
        if not status_ids:
            return frozenset()
        params: dict[str, object] = {f"s{index}": status_id for index, status_id in enumerate(status_ids)}
        ids = ", ".join(f":s{index}" for index in range(len(status_ids)))
        shared = await self._db.fetch_one(
            f"SELECT count(*) FROM statuses s WHERE s.id IN ({ids}) AND s.deleted_at IS NULL"
            " AND s.visibility IN ('public', 'unlisted')",
            params,
        )
        if shared is None or shared[0] != len(set(status_ids)):
            return None
        params["now"] = to_db(utcnow())
        involved = (f"SELECT account_id FROM statuses WHERE id IN ({ids})"
                    f" UNION SELECT account_id FROM status_mentions WHERE status_id IN ({ids})")
        rows = await self._db.fetch_all(
            f"SELECT account_id FROM statuses WHERE id IN ({ids})"
            f" UNION SELECT account_id FROM blocks WHERE target_account_id IN ({involved})"
            f" UNION SELECT target_account_id FROM blocks WHERE account_id IN ({involved})"
            f" UNION SELECT account_id FROM mutes WHERE target_account_id IN ({involved})"
            f" UNION SELECT account_id FROM favourites WHERE status_id IN ({ids})"
            f" UNION SELECT account_id FROM statuses WHERE reblog_of_id IN ({ids}) AND deleted_at IS NULL"
            f" UNION SELECT account_id FROM bookmarks WHERE status_id IN ({ids})"
            f" UNION SELECT account_id FROM status_pins WHERE status_id IN ({ids})"
            f" UNION SELECT account_id FROM thread_mutes WHERE thread_id IN (SELECT thread_id FROM statuses"
            f" WHERE id IN ({ids}))"
            f" UNION SELECT v.account_id FROM poll_votes v JOIN polls p ON p.id = v.poll_id WHERE p.status_id IN ({ids})"
            " UNION SELECT account_id FROM filters WHERE expires_at IS NULL OR expires_at > :now",
            params,
        )
        return frozenset(row[0] for row in rows)


def _department_condition(mentioning: int | None, members_of: int | None, params: dict[str, object]) -> str | None:
    """Addressed to a department, written by its members (or as it), or either."""
    either = []
    if mentioning is not None:
        either.append("EXISTS (SELECT 1 FROM status_mentions dm"
                      " WHERE dm.status_id = s.id AND dm.account_id = :mentioning)")
        params["mentioning"] = mentioning
    if members_of is not None:
        either.append("(s.account_id = :members_of OR s.account_id IN"
                      " (SELECT dmb.account_id FROM department_members dmb WHERE dmb.department_id = :members_of))")
        params["members_of"] = members_of
    return f"({' OR '.join(either)})" if either else None


def _tagged(names: Sequence[str], params: dict[str, object], prefix: str) -> str:
    keys = []
    for index, name in enumerate(names):
        params[f"{prefix}{index}"] = name
        keys.append(f":{prefix}{index}")
    return (
        "EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id"
        f" WHERE st.status_id = s.id AND t.name IN ({', '.join(keys)}))"
    )


def _filter_conditions(flt: StatusFilter, params: dict[str, object]) -> list[str]:
    chosen = {
        "s.visibility = 'public'": flt.public_only,
        "s.local = 1": flt.local_only,
        "s.local = 0": flt.remote_only,
        HAS_MEDIA: flt.only_media,
        "(s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)": flt.exclude_replies,
        "s.reblog_of_id IS NULL": flt.exclude_reblogs,
    }
    conditions = [condition for condition, wanted in chosen.items() if wanted]
    if flt.tag_any:
        conditions.append(_tagged(flt.tag_any, params, "tag_any"))
    conditions.extend(_tagged([name], params, f"tag_all{i}_") for i, name in enumerate(flt.tag_all))
    conditions.extend("NOT " + _tagged([name], params, f"tag_none{i}_") for i, name in enumerate(flt.tag_none))
    return conditions
