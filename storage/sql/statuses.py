"""Statuses, their revisions, mentions and tags."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from activitypub.errors import NotFound
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import (
    NewStatus,
    PublicationState,
    Status,
    StatusChanges,
    StatusEdit,
    Tag,
    Visibility,
)
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

STATUS_COLUMNS = (
    "id, account_id, local, uri, url, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri, reblog_of_id,"
    " thread_id, text, content, spoiler_text, sensitive, language, visibility, application_id, publication_state,"
    " publication_epoch, published_edit_id, published_at, created_at, edited_at, deleted_at"
)
EDIT_COLUMNS = "id, status_id, text, content, spoiler_text, sensitive, language, created_at, media"
# The status's media now, in order, with their descriptions: what a revision records of them.
MEDIA_SNAPSHOT = (
    "SELECT id, description FROM media_attachments WHERE status_id = ? ORDER BY position, id"
)


def _time(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def status_from_row(row: Row) -> Status:
    return Status(
        id=row["id"], account_id=row["account_id"], local=bool(row["local"]), uri=row["uri"], url=row["url"],
        in_reply_to_id=row["in_reply_to_id"], in_reply_to_account_id=row["in_reply_to_account_id"],
        in_reply_to_uri=row["in_reply_to_uri"], reblog_of_id=row["reblog_of_id"], thread_id=row["thread_id"],
        text=row["text"], content=row["content"], spoiler_text=row["spoiler_text"], sensitive=bool(row["sensitive"]),
        language=row["language"], visibility=Visibility(row["visibility"]), application_id=row["application_id"],
        publication_state=PublicationState(row["publication_state"]), publication_epoch=row["publication_epoch"],
        published_edit_id=row["published_edit_id"], published_at=_time(row["published_at"]),
        created_at=from_db(row["created_at"]), edited_at=_time(row["edited_at"]), deleted_at=_time(row["deleted_at"]),
    )


def edit_from_row(row: Row) -> StatusEdit:
    return StatusEdit(
        id=row["id"], status_id=row["status_id"], text=row["text"], content=row["content"],
        spoiler_text=row["spoiler_text"], sensitive=bool(row["sensitive"]), language=row["language"],
        created_at=from_db(row["created_at"]), media=_edit_media(row["media"]),
    )


def _edit_media(text: str | None) -> tuple[tuple[int, str | None], ...] | None:
    if text is None:
        return None
    return tuple((int(media_id), description) for media_id, description in json.loads(text))


def marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class SqlStatusStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, new: NewStatus) -> Status:
        status_id = self._ids.next_id()
        created = to_db(new.created_at or utcnow())
        async with self._db.write():
            thread_id = await self._thread_of(new.in_reply_to_id) or status_id
            await self._db.execute(
                f"INSERT INTO statuses ({STATUS_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'internal', 0, NULL, NULL, ?, NULL, NULL)",
                (status_id, new.account_id, int(new.local), new.uri, new.url, new.in_reply_to_id,
                 new.in_reply_to_account_id, new.in_reply_to_uri, new.reblog_of_id, thread_id, new.text, new.content,
                 new.spoiler_text, int(new.sensitive), new.language, new.visibility.value, new.application_id,
                 created),
            )
            if new.reblog_of_id is None:
                await self._record_edit(status_id, new.text, new.content, new.spoiler_text, new.sensitive,
                                        new.language, created)
            await self._replace_mentions_and_tags(status_id, new.mention_ids, new.tags)
            status = await self.get(status_id)
        return read_back(status, "the status")

    async def _thread_of(self, status_id: int | None) -> int | None:
        if status_id is None:
            return None
        row = await self._db.fetch_one("SELECT thread_id FROM statuses WHERE id = ?", (status_id,))
        return int(row["thread_id"]) if row else None

    async def _record_edit(
        self, status_id: int, text: str, content: str, spoiler: str, sensitive: bool, language: str | None, at: str
    ) -> int:
        edit_id = self._ids.next_id()
        await self._db.execute(
            f"INSERT INTO status_edits ({EDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (edit_id, status_id, text, content, spoiler, int(sensitive), language, at,
             await self._media_snapshot(status_id)),
        )
        return edit_id

    async def _media_snapshot(self, status_id: int) -> str:
        rows = await self._db.fetch_all(MEDIA_SNAPSHOT, (status_id,))
        return json.dumps([[row["id"], row["description"]] for row in rows])

    async def record_media(self, status_id: int) -> None:
        async with self._db.write():
            await self._db.execute(
                "UPDATE status_edits SET media = ? WHERE id = (SELECT max(id) FROM status_edits WHERE status_id = ?)",
                (await self._media_snapshot(status_id), status_id),
            )

    async def _replace_mentions_and_tags(
        self, status_id: int, mention_ids: Sequence[int], tags: Sequence[tuple[str, str]]
    ) -> None:
        await self._db.execute("DELETE FROM status_mentions WHERE status_id = ?", (status_id,))
        await self._db.execute("DELETE FROM status_tags WHERE status_id = ?", (status_id,))
        for account_id in dict.fromkeys(mention_ids):
            await self._db.execute(
                "INSERT INTO status_mentions (status_id, account_id) VALUES (?, ?)", (status_id, account_id)
            )
        for name, display in dict.fromkeys(tags):
            await self._db.execute(
                "INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (self._ids.next_id(), name, display, to_db(utcnow())),
            )
            await self._db.execute(
                "INSERT OR IGNORE INTO status_tags (status_id, tag_id) SELECT ?, id FROM tags WHERE name = ?",
                (status_id, name),
            )

    async def get(self, status_id: int) -> Status | None:
        row = await self._db.fetch_one(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE id = ?", (status_id,))
        return status_from_row(row) if row else None

    async def get_many(self, status_ids: Sequence[int]) -> Mapping[int, Status]:
        if not status_ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE id IN ({marks(status_ids)})", status_ids
        )
        return {row["id"]: status_from_row(row) for row in rows}

    async def get_by_uri(self, uri: str) -> Status | None:
        row = await self._db.fetch_one(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE uri = ?", (uri,))
        return status_from_row(row) if row else None

    async def edit(self, status_id: int, changes: StatusChanges) -> Status:
        now = to_db(utcnow())
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE statuses SET text = ?, content = ?, spoiler_text = ?, sensitive = ?, language = ?,"
                " edited_at = ? WHERE id = ? AND deleted_at IS NULL",
                (changes.text, changes.content, changes.spoiler_text, int(changes.sensitive), changes.language, now,
                 status_id),
            )
            if not changed:
                raise NotFound()
            await self._record_edit(status_id, changes.text, changes.content, changes.spoiler_text,
                                    changes.sensitive, changes.language, now)
            await self._replace_mentions_and_tags(status_id, changes.mention_ids, changes.tags)
            status = await self.get(status_id)
        return read_back(status, "the status")

    async def edits(self, status_id: int) -> Sequence[StatusEdit]:
        rows = await self._db.fetch_all(
            f"SELECT {EDIT_COLUMNS} FROM status_edits WHERE status_id = ? ORDER BY id", (status_id,)
        )
        return [edit_from_row(row) for row in rows]

    async def get_edit(self, edit_id: int) -> StatusEdit | None:
        row = await self._db.fetch_one(f"SELECT {EDIT_COLUMNS} FROM status_edits WHERE id = ?", (edit_id,))
        return edit_from_row(row) if row else None

    async def delete(self, status_id: int) -> bool:
        """Soft-delete, keeping the row so a published URI can answer 410 forever."""
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE statuses SET deleted_at = ? WHERE (id = ? OR reblog_of_id = ?) AND deleted_at IS NULL",
                (to_db(utcnow()), status_id, status_id),
            )
            await self._db.execute(
                "DELETE FROM home_feed WHERE status_id IN (SELECT id FROM statuses WHERE id = ? OR reblog_of_id = ?)",
                (status_id, status_id),
            )
        return changed > 0

    async def set_publication(
        self, status_id: int, state: PublicationState, *, epoch: int, uri: str | None, url: str | None,
        edit_id: int | None,
    ) -> Status:
        published_at = to_db(utcnow()) if state is PublicationState.PUBLISHED else None
        await self._db.execute(
            "UPDATE statuses SET publication_state = ?, publication_epoch = ?, uri = ?, url = ?,"
            " published_edit_id = ?, published_at = coalesce(?, published_at) WHERE id = ?",
            (state.value, epoch, uri, url, edit_id, published_at, status_id),
        )
        status = await self.get(status_id)
        if status is None:
            raise NotFound()
        return status

    async def mention_ids(self, status_ids: Sequence[int]) -> Mapping[int, Sequence[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if status_ids:
            rows = await self._db.fetch_all(
                f"SELECT status_id, account_id FROM status_mentions WHERE status_id IN ({marks(status_ids)})",
                status_ids,
            )
            for row in rows:
                found[row[0]].append(row[1])
        return found

    async def tags(self, status_ids: Sequence[int]) -> Mapping[int, Sequence[Tag]]:
        found: dict[int, list[Tag]] = defaultdict(list)
        if status_ids:
            rows = await self._db.fetch_all(
                "SELECT st.status_id, t.id, t.name, t.display_name FROM status_tags st JOIN tags t ON t.id = st.tag_id"
                f" WHERE st.status_id IN ({marks(status_ids)}) ORDER BY t.name",
                status_ids,
            )
            for row in rows:
                found[row[0]].append(Tag(row[1], row[2], row[3]))
        return found

    async def thread(self, thread_id: int) -> Sequence[Status]:
        rows = await self._db.fetch_all(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE thread_id = ? AND reblog_of_id IS NULL ORDER BY id",
            (thread_id,),
        )
        return [status_from_row(row) for row in rows]

    async def counts(self, status_ids: Sequence[int]) -> Mapping[int, tuple[int, int, int]]:
        """(replies, reblogs, favourites) per status, counting only what is not deleted."""
        if not status_ids:
            return {}
        holes = marks(status_ids)
        ids = list(status_ids)
        rows = await self._db.fetch_all(
            f"SELECT s.id,"
            f" (SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.deleted_at IS NULL),"
            f" (SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id AND b.deleted_at IS NULL),"
            f" (SELECT count(*) FROM favourites f WHERE f.status_id = s.id)"
            f" FROM statuses s WHERE s.id IN ({holes})",
            ids,
        )
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    async def find_reblog(self, account_id: int, status_id: int) -> Status | None:
        row = await self._db.fetch_one(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE account_id = ? AND reblog_of_id = ? AND deleted_at IS NULL",
            (account_id, status_id),
        )
        return status_from_row(row) if row else None

    async def reblogs_of(self, status_id: int) -> Sequence[Status]:
        rows = await self._db.fetch_all(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE reblog_of_id = ? AND deleted_at IS NULL ORDER BY id",
            (status_id,),
        )
        return [status_from_row(row) for row in rows]

    async def last_status_at(self, account_id: int) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT max(created_at) AS t FROM statuses WHERE account_id = ? AND deleted_at IS NULL", (account_id,)
        )
        return _time(row["t"]) if row else None

    async def count_by_account(self, account_id: int, *, published_only: bool = False) -> int:
        published = " AND publication_state = 'published'" if published_only else ""
        row = await self._db.fetch_one(
            f"SELECT count(*) AS n FROM statuses WHERE account_id = ? AND deleted_at IS NULL{published}",
            (account_id,),
        )
        return int(row["n"]) if row else 0

    async def published_by_account(self, account_id: int, *, max_id: int | None, limit: int) -> Sequence[Status]:
        rows = await self._db.fetch_all(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE account_id = ? AND publication_state = 'published'"
            " AND deleted_at IS NULL AND reblog_of_id IS NULL AND id < ? ORDER BY id DESC LIMIT ?",
            (account_id, max_id if max_id is not None else 2**63 - 1, limit),
        )
        return [status_from_row(row) for row in rows]

    async def idempotent(self, account_id: int, key: str) -> int | None:
        row = await self._db.fetch_one(
            "SELECT status_id FROM idempotency_keys WHERE account_id = ? AND key = ?", (account_id, key)
        )
        return int(row[0]) if row else None

    async def remember_idempotency(self, account_id: int, key: str, status_id: int) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO idempotency_keys (account_id, key, status_id, created_at) VALUES (?, ?, ?, ?)",
            (account_id, key, status_id, to_db(utcnow())),
        )
