"""Uploaded images: processed off the event loop, stored at capability paths, owned by their uploader.

Files live under ``<data_dir>/media/<token>/{original,small}.<ext>`` where
``token`` is ``secrets.token_urlsafe(24)`` (192 random bits), never derived
from an id: the URL itself is the permission (docs/design.md, Media). Only
images are accepted, each stored in its own format (``server.media.images``:
JPEG, PNG, GIF and WebP as uploaded, animation included; AVIF as JPEG); video
and audio need a transcoder Insideout does not have, so they are refused with
422 rather than stored unplayable.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from activitypub.errors import InvalidInput, NotFound, PayloadTooLarge
from server.config import Settings
from server.media import ProcessedImage, media_meta, parse_focus, process_image
from storage.media import MediaAttachment, NewMedia
from storage.models import Account, Page, Reader
from storage.protocols import Storage

ROOT: Final = "media"
MAX_DESCRIPTION: Final = 1500
EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MEDIA_TYPES: Final = {extension: mime for mime, extension in EXTENSIONS.items()}
_TOKEN: Final = re.compile(r"\A[A-Za-z0-9_-]{32}\Z")
_NAME: Final = re.compile(r"\A(original|small)\.(jpg|png|gif|webp)\Z")
UNSUPPORTED: Final = "Only images (JPEG, PNG, GIF, WebP or AVIF) are supported; video and audio uploads are not"


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: Path
    media_type: str


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Validation failed: File file size must be less than {limit // (1024 * 1024) or 1} MB",
                           detail=f"limit {limit} bytes")


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return description or None


class MediaService:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self._storage = storage
        self._root = settings.data_dir / ROOT
        self._max_bytes = settings.media.max_image_bytes
        self._max_pixels = settings.media.max_image_pixels

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    async def upload(
        self, account: Account, data: bytes, *, declared_type: str | None = None, description: str | None = None,
        focus: str | None = None,
    ) -> MediaAttachment:
        description = check_description(description)
        point = parse_focus(focus) if focus else (0.0, 0.0)
        if len(data) > self._max_bytes:
            raise too_large(self._max_bytes)
        if declared_type and declared_type.lower().startswith(("video/", "audio/")):
            raise InvalidInput(UNSUPPORTED, detail=declared_type)
        image = await asyncio.to_thread(
            process_image, data, max_bytes=self._max_bytes, max_pixels=self._max_pixels
        )
        token = secrets.token_urlsafe(24)
        original, small = await self._save(token, image)
        try:
            return await self._storage.media.create(NewMedia(
                account_id=account.id, type="image", capability_token=token, file_name=original,
                thumbnail_name=small, mime_type=image.original_mime, description=description, focus=point,
                blurhash=image.blurhash, meta=dict(media_meta(image)),
            ))
        except BaseException:
            await self._remove(token)
            raise

    async def own(self, account: Account, media_id: int, *, reader: Reader | None = None) -> MediaAttachment:
        """The account's medium, attached or not; anyone else's is simply not found, and so is one
        attached to a status ``reader`` (a token acting as the account) may not see."""
        media = await self._storage.media.get(media_id)
        if media is None or media.account_id != account.id:
            raise NotFound()
        if reader is not None and media.status_id is not None \
                and not await self._storage.timelines.visible_ids(reader, [media.status_id]):
            raise NotFound()
        return media

    async def update(
        self, account: Account, media_id: int, *, description: str | None, focus: str | None
    ) -> MediaAttachment:
        """Mastodon changes only unattached media here; an attached one changes with its status."""
        media = await self.own(account, media_id)
        if media.status_id is not None:
            raise NotFound()
        new_description = check_description(description) if description is not None else media.description
        point = parse_focus(focus) if focus else (media.focus_x, media.focus_y)
        return await self._storage.media.update(media.id, description=new_description, focus=point)

    async def delete(self, account: Account, media_id: int) -> None:
        media = await self.own(account, media_id)
        if not await self._storage.media.delete_unattached(media.id):
            raise InvalidInput("Media attachment is currently used by a status")
        if media.capability_token:
            await self._remove(media.capability_token)

    async def file(self, token: str, name: str) -> StoredFile:
        """The file behind a capability URL; anything else is NotFound, whatever the reason."""
        if not _TOKEN.match(token) or not _NAME.match(name):
            raise NotFound()
        media = await self._storage.media.get_by_token(token)
        if media is None or name not in (media.file_name, media.thumbnail_name):
            raise NotFound()
        path = self._root / token / name
        if not await asyncio.to_thread(path.is_file):
            raise NotFound()
        return StoredFile(path, MEDIA_TYPES[name.rsplit(".", 1)[1]])

    async def uploads(self, account: Account, page: Page) -> Sequence[MediaAttachment]:
        """The account's own uploads, attached or not, newest first (its data export pages through them)."""
        return await self._storage.media.uploaded_by(account.id, page)

    async def original(self, media: MediaAttachment) -> StoredFile | None:
        """The stored original of one of the uploads above; None if its file is missing on disk."""
        if media.capability_token is None or media.file_name is None:
            return None
        try:
            return await self.file(media.capability_token, media.file_name)
        except NotFound:
            return None

    async def _save(self, token: str, image: ProcessedImage) -> tuple[str, str]:
        original = f"original.{EXTENSIONS[image.original_mime]}"
        small = f"small.{EXTENSIONS[image.thumbnail_mime]}"
        folder = self._root / token
        try:
            await asyncio.to_thread(_write, folder / original, image.original)
            await asyncio.to_thread(_write, folder / small, image.thumbnail)
        except BaseException:
            await self._remove(token)
            raise
        return original, small

    async def _remove(self, token: str) -> None:
        if _TOKEN.match(token):
            await asyncio.to_thread(shutil.rmtree, self._root / token, True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(path)
