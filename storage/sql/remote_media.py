"""Remote files: rows with a lease, fetched lazily by the proxy or ahead of time by a worker."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.media import MediaAttachment
from storage.remote_media import CachedFile, NewRemoteAttachment, RemoteFile, RemoteFileState
from storage.sql.database import Database, Row
from storage.sql.media import COLUMNS as MEDIA_COLUMNS
from storage.sql.media import media_from_row

COLUMNS = (
    "token, kind, url, host, state, attempts, next_attempt_at, locked_until, last_error, original_name, small_name,"
    " width, height, small_width, small_height, blurhash, fetched_at, created_at"
)
FREE = "(locked_until IS NULL OR locked_until <= :now)"
DUE = f"state = 'pending' AND next_attempt_at <= :now AND {FREE}"
# A file removed from the cache (fetched before, pending again) waits for a client's request.
NEVER_CACHED = "fetched_at IS NULL"
# An outcome is recorded only by the process still holding the lease it took (``lease``/``claim_due``):
# one whose lease ran out may have been overtaken by another that cached the file meanwhile.
HELD = "token = ? AND state = 'pending' AND locked_until = ?"


def _optional_time(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def file_from_row(row: Row) -> RemoteFile:
    return RemoteFile(
        token=row["token"], kind=row["kind"], url=row["url"], host=row["host"], state=RemoteFileState(row["state"]),
        attempts=row["attempts"], next_attempt_at=from_db(row["next_attempt_at"]),
        locked_until=_optional_time(row["locked_until"]), last_error=row["last_error"],
        original_name=row["original_name"], small_name=row["small_name"], width=row["width"], height=row["height"],
        small_width=row["small_width"], small_height=row["small_height"], blurhash=row["blurhash"],
        fetched_at=_optional_time(row["fetched_at"]), created_at=from_db(row["created_at"]),
    )


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class SqlRemoteFileStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add_attachments(
        self, status_id: int, account_id: int, items: Sequence[NewRemoteAttachment]
    ) -> Sequence[MediaAttachment]:
        now = to_db(utcnow())
        media_ids = []
        async with self._db.write():
            for position, item in enumerate(items):
                media_id = self._ids.next_id()
                media_ids.append(media_id)
                await self._insert_file(item.token, "attachment", item.url, item.host, now)
                await self._db.execute(
                    "INSERT INTO media_attachments (id, account_id, status_id, position, type, capability_token,"
                    " mime_type, remote_url, description, focus_x, focus_y, blurhash, meta, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (media_id, account_id, status_id, position, item.type, item.token, item.mime_type, item.url,
                     item.description, item.focus[0], item.focus[1], item.blurhash, json.dumps(dict(item.meta)), now),
                )
            rows = await self._db.fetch_all(
                f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE status_id = ? ORDER BY position, id",
                (status_id,),
            ) if media_ids else []
        return [media_from_row(row) for row in rows]

    async def _insert_file(self, token: str, kind: str, url: str, host: str, now: str) -> int:
        return await self._db.execute(
            "INSERT INTO remote_files (token, kind, url, host, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            + (" ON CONFLICT DO NOTHING" if kind == "image" else ""),
            (token, kind, url, host, now, now),
        )

    async def get(self, token: str) -> RemoteFile | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM remote_files WHERE token = ?", (token,))
        return file_from_row(row) if row else None

    async def image_tokens(self, urls: Sequence[str]) -> Mapping[str, str]:
        if not urls:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT url, token FROM remote_files WHERE kind = 'image' AND url IN ({_marks(urls)})", list(urls)
        )
        return {row["url"]: row["token"] for row in rows}

    async def register_images(self, new: Mapping[str, tuple[str, str]]) -> Mapping[str, str]:
        now = to_db(utcnow())
        async with self._db.write():
            for url, (token, host) in new.items():
                await self._insert_file(token, "image", url, host, now)
            return await self.image_tokens(list(new))

    async def lease(self, token: str, now: datetime, lease_until: datetime) -> RemoteFile | None:
        rows = await self._update_returning(
            f"UPDATE remote_files SET locked_until = :until, attempts = attempts + 1 WHERE token = :token AND {DUE}"
            f" RETURNING {COLUMNS}",
            {"until": to_db(lease_until), "token": token, "now": to_db(now)},
        )
        return file_from_row(rows[0]) if rows else None

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[RemoteFile]:
        rows = await self._update_returning(
            f"UPDATE remote_files SET locked_until = :until, attempts = attempts + 1 WHERE token IN"
            f" (SELECT token FROM remote_files WHERE {DUE} AND {NEVER_CACHED} ORDER BY next_attempt_at LIMIT :limit"
            f" {self._db.dialect.skip_locked}) RETURNING {COLUMNS}",
            {"until": to_db(lease_until), "now": to_db(now), "limit": limit},
        )
        return sorted((file_from_row(row) for row in rows), key=lambda f: f.next_attempt_at)

    async def claim_stale(
        self, fetched_before: datetime, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[RemoteFile]:
        rows = await self._update_returning(
            f"UPDATE remote_files SET locked_until = :until WHERE token IN"
            f" (SELECT token FROM remote_files WHERE state = 'cached' AND fetched_at < :before AND {FREE}"
            f" ORDER BY fetched_at LIMIT :limit {self._db.dialect.skip_locked}) RETURNING {COLUMNS}",
            {"until": to_db(lease_until), "before": to_db(fetched_before), "now": to_db(now), "limit": limit},
        )
        return sorted((file_from_row(row) for row in rows), key=lambda f: (f.fetched_at or f.created_at, f.token))

    async def uncache(self, tokens: Sequence[str], lease_until: datetime) -> int:
        if not tokens:
            return 0
        return await self._db.execute(
            "UPDATE remote_files SET state = 'pending', attempts = 0, next_attempt_at = created_at,"
            " locked_until = NULL, last_error = NULL, original_name = NULL, small_name = NULL"
            f" WHERE state = 'cached' AND locked_until = ? AND token IN ({_marks(tokens)})",
            [to_db(lease_until), *tokens],
        )

    async def _update_returning(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        async with self._db.write() as connection:
            cursor = await connection.execute(sql, params)
            rows = list(await cursor.fetchall())
            await cursor.close()
        return rows

    async def mark_cached(self, token: str, lease_until: datetime, cached: CachedFile, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE remote_files SET state = 'cached', locked_until = NULL, last_error = NULL, original_name = ?,"
            " small_name = ?, width = ?, height = ?, small_width = ?, small_height = ?, blurhash = ?, fetched_at = ?"
            f" WHERE {HELD}",
            (cached.original_name, cached.small_name, cached.width, cached.height, cached.small_width,
             cached.small_height, cached.blurhash, to_db(now), token, to_db(lease_until)),
        ) > 0

    async def mark_retry(self, token: str, lease_until: datetime, retry_at: datetime, error: str) -> bool:
        return await self._db.execute(
            f"UPDATE remote_files SET locked_until = NULL, next_attempt_at = ?, last_error = ? WHERE {HELD}",
            (to_db(retry_at), error[:1000], token, to_db(lease_until)),
        ) > 0

    async def mark_failed(self, token: str, lease_until: datetime, error: str) -> bool:
        return await self._db.execute(
            f"UPDATE remote_files SET state = 'failed', locked_until = NULL, last_error = ? WHERE {HELD}",
            (error[:1000], token, to_db(lease_until)),
        ) > 0
