"""Avatar and header files in the media store, at unguessable capability keys.

A file lives at the key ``accounts/<token>/<kind>.<ext>`` (the path it always had under the data
directory) where ``token`` is 128 random bits, never derived from an id, so guessing by account
gives nothing. Each upload gets a fresh token and the replaced file goes to the removals, so an
old URL stops working. Images arrive already re-encoded by ``server.media``. A store that refuses
the upload raises 503 (``MediaStoreUnavailable``) and keeps nothing.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

from server.media.store import MediaRemovals, MediaStore, StoredObject, discard

ROOT: Final = "accounts"
KINDS: Final = ("avatar", "header")
EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MEDIA_TYPES: Final = {extension: mime for mime, extension in EXTENSIONS.items()}
_TOKEN = re.compile(r"\A[0-9a-f]{32}\Z")
_NAME = re.compile(r"\A(avatar|header)\.(jpg|png|gif|webp)\Z")


class ProfileMedia:
    def __init__(self, store: MediaStore, removals: MediaRemovals) -> None:
        self._store = store
        self._removals = removals

    async def save(self, kind: str, data: bytes, mime: str) -> str:
        """Store the file; returns its key, the path relative to the data directory the account keeps."""
        if kind not in KINDS or mime not in EXTENSIONS:
            raise ValueError(f"cannot store {kind} as {mime}")
        key = f"{ROOT}/{secrets.token_hex(16)}/{kind}.{EXTENSIONS[mime]}"
        try:
            await self._store.put(key, data, mime)
        except BaseException:
            await discard(self._store, self._removals, [key])
            raise
        return key

    async def discard(self, relative: str | None) -> None:
        """Take back a file saved for an update that then failed; never raises over that failure."""
        if _split(relative) is not None and relative is not None:
            await discard(self._store, self._removals, [relative])

    async def retire(self, relative: str | None) -> None:
        """Remove a file the account no longer names (replaced or cleared), through the removals."""
        if _split(relative) is not None and relative is not None:
            await self._removals.remove([relative])

    async def open(self, token: str, name: str) -> StoredObject | None:
        """The object for a request path, or None for anything that is not a stored file."""
        if not _TOKEN.match(token) or not _NAME.match(name):
            return None
        return await self._store.open(f"{ROOT}/{token}/{name}")


def _split(relative: str | None) -> tuple[str, str] | None:
    if not relative:
        return None
    pieces = relative.split("/")
    if len(pieces) != 3 or pieces[0] != ROOT or not _TOKEN.match(pieces[1]) or not _NAME.match(pieces[2]):
        return None
    return pieces[1], pieces[2]


def media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[1]]
