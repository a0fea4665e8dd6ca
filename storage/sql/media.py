"""Media attachments: uploaded alone, then claimed by a status or a scheduled status."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence

from activitypub.errors import NotFound
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.media import MediaAttachment, NewMedia
from storage.models import Page
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

COLUMNS = (
    "id, account_id, status_id, scheduled_status_id, position, type, capability_token, public_token, file_name,"
    " thumbnail_name, mime_type, remote_url, description, focus_x, focus_y, blurhash, meta, created_at"
)
# Free for a status: unattached, already its own, or left behind by a deleted status (delete-and-redraft).
FREE = (
    "(m.status_id IS NULL OR m.status_id = :status OR EXISTS (SELECT 1 FROM statuses s"
    " WHERE s.id = m.status_id AND s.deleted_at IS NOT NULL))"
    " AND (m.scheduled_status_id IS NULL OR m.scheduled_status_id = :scheduled)"
)


def media_from_row(row: Row) -> MediaAttachment:
    return MediaAttachment(
        id=row["id"], account_id=row["account_id"], status_id=row["status_id"],
        scheduled_status_id=row["scheduled_status_id"], position=row["position"], type=row["type"],
        capability_token=row["capability_token"], public_token=row["public_token"], file_name=row["file_name"],
        thumbnail_name=row["thumbnail_name"],
        mime_type=row["mime_type"], remote_url=row["remote_url"], description=row["description"],
        focus_x=row["focus_x"], focus_y=row["focus_y"], blurhash=row["blurhash"], meta=json.loads(row["meta"]),
        created_at=from_db(row["created_at"]),
    )


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class SqlMediaStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, new: NewMedia) -> MediaAttachment:
        media_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO media_attachments (id, account_id, type, capability_token, file_name, thumbnail_name,"
                " mime_type, description, focus_x, focus_y, blurhash, meta, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (media_id, new.account_id, new.type, new.capability_token, new.file_name, new.thumbnail_name,
                 new.mime_type, new.description, new.focus[0], new.focus[1], new.blurhash,
                 json.dumps(dict(new.meta)), to_db(utcnow())),
            )
            media = await self.get(media_id)
        return read_back(media, "the media attachment")

    async def get(self, media_id: int) -> MediaAttachment | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM media_attachments WHERE id = ?", (media_id,))
        return media_from_row(row) if row else None

    async def get_many(self, media_ids: Sequence[int]) -> Mapping[int, MediaAttachment]:
        if not media_ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM media_attachments WHERE id IN ({_marks(media_ids)})", list(media_ids)
        )
        return {row["id"]: media_from_row(row) for row in rows}

    async def uploaded_by(self, account_id: int, page: Page) -> Sequence[MediaAttachment]:
        upper = "AND id < ? " if page.max_id is not None else ""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM media_attachments WHERE account_id = ? AND capability_token IS NOT NULL"
            f" AND file_name IS NOT NULL {upper}ORDER BY id DESC LIMIT ?",
            [account_id, *([page.max_id] if page.max_id is not None else []), int(page.limit)],
        )
        return [media_from_row(row) for row in rows]

    async def get_by_token(self, capability_token: str) -> MediaAttachment | None:
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM media_attachments WHERE capability_token = ?", (capability_token,)
        )
        return media_from_row(row) if row else None

    async def get_by_public_token(self, public_token: str) -> MediaAttachment | None:
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM media_attachments WHERE public_token = ?", (public_token,)
        )
        return media_from_row(row) if row else None

    async def set_public_token(self, media_id: int, public_token: str) -> bool:
        changed = await self._db.execute(
            "UPDATE media_attachments SET public_token = ? WHERE id = ? AND public_token IS NULL",
            (public_token, media_id),
        )
        return changed > 0

    async def update(self, media_id: int, *, description: str | None, focus: tuple[float, float]) -> MediaAttachment:
        async with self._db.write():
            changed = await self._db.execute(
                "UPDATE media_attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ?",
                (description, focus[0], focus[1], media_id),
            )
            media = await self.get(media_id) if changed else None
        if media is None:
            raise NotFound()
        return media

    async def delete_unattached(self, media_id: int) -> bool:
        changed = await self._db.execute(
            "DELETE FROM media_attachments WHERE id = ? AND status_id IS NULL AND scheduled_status_id IS NULL",
            (media_id,),
        )
        return changed > 0

    async def delete_unused(self, capability_tokens: Sequence[str]) -> Sequence[str]:
        tokens = list(dict.fromkeys(capability_tokens))
        if not tokens:
            return []
        wanted = f"m.capability_token IN ({_marks(tokens)}) AND m.remote_url IS NULL"
        async with self._db.write():
            await self._db.execute(
                f"DELETE FROM media_attachments AS m WHERE {wanted} AND m.scheduled_status_id IS NULL AND"
                " (m.status_id IS NULL OR EXISTS (SELECT 1 FROM statuses s WHERE s.id = m.status_id"
                " AND s.deleted_at IS NOT NULL))",
                tokens,
            )
            rows = await self._db.fetch_all(f"SELECT m.capability_token FROM media_attachments m WHERE {wanted}",
                                            tokens)
        return sorted(row["capability_token"] for row in rows)

    async def attach(self, status_id: int, account_id: int, media_ids: Sequence[int], *,
                     scheduled_status_id: int | None = None) -> int:
        attached = 0
        async with self._db.write():
            kept = f" AND id NOT IN ({_marks(media_ids)})" if media_ids else ""
            await self._db.execute(
                f"UPDATE media_attachments SET status_id = NULL, position = 0 WHERE status_id = ?{kept}",
                (status_id, *media_ids),
            )
            for position, media_id in enumerate(media_ids):
                attached += await self._db.execute(
                    f"UPDATE media_attachments AS m SET status_id = :status, scheduled_status_id = NULL,"
                    f" position = :position WHERE m.id = :id AND m.account_id = :account AND {FREE}",
                    {"status": status_id, "scheduled": scheduled_status_id, "position": position, "id": media_id,
                     "account": account_id},
                )
        return attached

    async def attach_scheduled(self, scheduled_status_id: int, account_id: int, media_ids: Sequence[int]) -> int:
        reserved = 0
        async with self._db.write():
            for position, media_id in enumerate(media_ids):
                reserved += await self._db.execute(
                    f"UPDATE media_attachments AS m SET scheduled_status_id = :scheduled, status_id = NULL,"
                    f" position = :position WHERE m.id = :id AND m.account_id = :account AND {FREE}",
                    {"status": None, "scheduled": scheduled_status_id, "position": position, "id": media_id,
                     "account": account_id},
                )
        return reserved

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]:
        return await self._grouped("status_id", status_ids)

    async def for_scheduled(self, scheduled_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]:
        return await self._grouped("scheduled_status_id", scheduled_ids)

    async def _grouped(self, column: str, owner_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]:
        found: dict[int, list[MediaAttachment]] = defaultdict(list)
        if owner_ids:
            rows = await self._db.fetch_all(
                f"SELECT {COLUMNS} FROM media_attachments WHERE {column} IN ({_marks(owner_ids)})"
                f" ORDER BY {column}, position, id",
                list(owner_ids),
            )
            for row in rows:
                found[row[column]].append(media_from_row(row))
        return found
