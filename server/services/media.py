"""Uploaded images: processed off the event loop, stored at capability paths, owned by their uploader.

Files live in the media store (``server.media.store``: a directory or a private bucket) under
the key ``media/<token>/{original,small}.<ext>``, where ``token`` is
``secrets.token_urlsafe(24)`` (192 random bits), never derived from an id: the
URL itself is the permission (docs/design.md, Media). An upload the store
refuses is a 503 with nothing kept, neither row nor object. Only
images are accepted, each stored in its own format (``server.media.images``:
JPEG, PNG, GIF and WebP as uploaded, animation included; AVIF as JPEG); video
and audio need a transcoder Insideout does not have, so they are refused with
422 rather than stored unplayable.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from activitypub.errors import InvalidInput, NotFound, PayloadTooLarge
from server.config import Settings
from server.media import ProcessedImage, media_meta, parse_focus, process_image
from server.media.store import MediaRemovals, MediaStore, StoredObject, discard
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
    """A stored object to send, with the media type its name gives it."""

    content: StoredObject
    media_type: str


@dataclass(frozen=True, slots=True)
class OriginalFile:
    """An upload's original as bytes (the data export's copy)."""

    extension: str
    media_type: str
    data: bytes


def _original_key(media: MediaAttachment) -> str | None:
    token, name = media.capability_token, media.file_name
    if token is None or name is None or not _TOKEN.match(token) or not _NAME.match(name):
        return None
    return media_key(token, name)


def media_key(token: str, name: str) -> str:
    return f"{ROOT}/{token}/{name}"


def media_type_of(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[1]]


async def open_file(store: MediaStore, key: str) -> StoredFile:
    """The object behind a key the caller was allowed to read; NotFound if the store has none."""
    found = await store.open(key)
    if found is None:
        raise NotFound()
    return StoredFile(found, media_type_of(key))


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Validation failed: File file size must be less than {limit // (1024 * 1024) or 1} MB",
                           detail=f"limit {limit} bytes")


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return description or None


class MediaService:
    def __init__(self, storage: Storage, settings: Settings, store: MediaStore, removals: MediaRemovals) -> None:
        self._storage = storage
        self._store = store
        self._removals = removals
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
            await discard(self._store, self._removals, [media_key(token, original), media_key(token, small)])
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
        names = [name for name in (media.file_name, media.thumbnail_name) if name and _NAME.match(name)]
        async with self._storage.transaction():  # the row goes, and its objects are queued, together
            if not await self._storage.media.delete_unattached(media.id):
                raise InvalidInput("Media attachment is currently used by a status")
            if media.capability_token and names:
                await self._removals.remove([media_key(media.capability_token, name) for name in names])

    async def file(self, token: str, name: str) -> StoredFile:
        """The file behind a capability URL; anything else is NotFound, whatever the reason."""
        if not _TOKEN.match(token) or not _NAME.match(name):
            raise NotFound()
        media = await self._storage.media.get_by_token(token)
        if media is None or name not in (media.file_name, media.thumbnail_name):
            raise NotFound()
        return await open_file(self._store, media_key(token, name))

    async def uploads(self, account: Account, page: Page) -> Sequence[MediaAttachment]:
        """The account's own uploads, attached or not, newest first (its data export pages through them)."""
        return await self._storage.media.uploaded_by(account.id, page)

    async def original(self, media: MediaAttachment) -> OriginalFile | None:
        """The stored original of one of the uploads above; None if the store has no such object.
        A store that cannot be read raises ``MediaStoreUnavailable``."""
        key = _original_key(media)
        data = None if key is None else await self._store.read(key)
        if key is None or data is None:
            return None
        return OriginalFile(key.rsplit(".", 1)[1], media_type_of(key), data)

    async def missing_originals(self, uploads: Sequence[MediaAttachment]) -> frozenset[int]:
        """The ids of those uploads whose original the store does not hold, asked of the store at once
        (the data export checks every one before its first byte); ``MediaStoreUnavailable`` if the
        store cannot tell."""
        keys = {media.id: _original_key(media) for media in uploads}
        sizes = await asyncio.gather(*(self._store.size(key) for key in keys.values() if key is not None),
                                     return_exceptions=True)
        for answer in sizes:
            if isinstance(answer, BaseException):
                raise answer
        found = iter(sizes)
        return frozenset(media_id for media_id, key in keys.items() if key is None or next(found) is None)

    async def _save(self, token: str, image: ProcessedImage) -> tuple[str, str]:
        """Both objects, or neither: a refused write takes back the one already stored and raises 503."""
        original = f"original.{EXTENSIONS[image.original_mime]}"
        small = f"small.{EXTENSIONS[image.thumbnail_mime]}"
        keys = [media_key(token, original), media_key(token, small)]
        try:
            await self._store.put(keys[0], image.original, image.original_mime)
            await self._store.put(keys[1], image.thumbnail, image.thumbnail_mime)
        except BaseException:
            await discard(self._store, self._removals, keys)
            raise
        return original, small
