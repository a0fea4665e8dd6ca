"""Where media files live: one Protocol, a directory (``LocalMediaStore``) or a bucket (``server.media.s3``).

A key is a relative path of random tokens and fixed names, the same on every store:
``media/<token>/original.jpg`` (uploads), ``accounts/<token>/avatar.png`` (profile images),
``cache/remote/<token>/small.webp`` (partners' media, re-encoded). Nothing in a key names a
post, an author or an account id, so neither a bucket listing nor a URL reveals one
(docs/media-storage.md). The stores only keep bytes; who may read what is decided by the
services before a key is ever asked for.

Every write is atomic from the reader's side: a local file is written aside and renamed, an
object is one PUT that S3 makes visible only when complete. A store that fails raises
``MediaStoreUnavailable`` (503), never a half-written object.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

from activitypub.errors import MediaStoreUnavailable

# The folders that hold media under data_dir (and under the bucket's prefix); nothing else is a key.
PREFIXES: Final = ("media/", "accounts/", "cache/remote/")
_KEY: Final = re.compile(r"\A(media|accounts|cache/remote|probe)/[A-Za-z0-9_-]{8,64}/[a-z]+\.[a-z0-9]{2,5}\Z")
_PART: Final = ".part"

log = logging.getLogger(__name__)


def valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def check_key(key: str) -> str:
    if not valid_key(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object to send: a local file by path, or an object's bytes."""

    key: str
    size: int
    path: Path | None = None
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key: str
    size: int


class MediaStore(Protocol):
    name: str

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        """Store the whole of ``data`` under ``key``, replacing what was there; readers see all or nothing."""

    async def open(self, key: str) -> StoredObject | None:
        """The object to serve, or None if there is none."""

    async def read(self, key: str) -> bytes | None:
        """The object's bytes, or None if there is none."""

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is none."""

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove the objects; an absent one is already removed."""

    def keys(self, prefix: str) -> AsyncIterator[KeyInfo]:
        """Every stored key under ``prefix`` (one of ``PREFIXES``), in no particular order."""

    def describe(self) -> str:
        """Where the store is, for operators (no credentials)."""


class MediaRemovals(Protocol):
    """Removes stored objects the services no longer need: through the stored queue, with retries,
    so a store that is down for a while loses nothing and leaves nothing behind."""

    async def remove(self, keys: Sequence[str]) -> None: ...


class ImmediateRemovals:
    """Removal straight away, for the commands and tests that have no queue worker to wait for."""

    def __init__(self, store: MediaStore) -> None:
        self._store = store

    async def remove(self, keys: Sequence[str]) -> None:
        await self._store.delete(keys)


async def discard(store: MediaStore, removals: MediaRemovals | None, keys: Sequence[str]) -> None:
    """Take back the objects of an upload that failed, never raising over the failure being reported:
    straight from the store, else through ``removals`` (which retries), else logged.

    Without ``removals`` a failure is only logged: for keys a later attempt writes again (a partner's
    file cached under its row's token), where a removal left queued would delete the new copy."""
    if not keys:
        return
    try:
        await store.delete(keys)
        return
    except MediaStoreUnavailable as exc:
        if removals is None:
            log.warning("media objects of a failed upload may be left until written again",
                        extra={"keys": list(keys), "error": exc.detail})
            return
    try:
        await removals.remove(keys)
    except Exception as exc:  # the store and the queue both failed: say which objects may be left
        log.warning("media objects of a failed upload may be left behind", extra={"keys": list(keys),
                                                                                "error": repr(exc)})


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalMediaStore:
    """Files under ``data_dir``, at the key's path: the layout Insideout has always used."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self._root = root

    def describe(self) -> str:
        return f"local directory {self._root}"

    def path(self, key: str) -> Path:
        return self._root / check_key(key)

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        try:
            await asyncio.to_thread(_write, self.path(key), data)
        except OSError as exc:
            raise MediaStoreUnavailable(detail=f"writing {key}: {exc}") from exc

    async def open(self, key: str) -> StoredObject | None:
        path = self.path(key)
        try:
            found = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise MediaStoreUnavailable(detail=f"reading {key}: {exc}") from exc
        return StoredObject(key, found.st_size, path=path)

    async def read(self, key: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self.path(key).read_bytes)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise MediaStoreUnavailable(detail=f"reading {key}: {exc}") from exc

    async def size(self, key: str) -> int | None:
        found = await self.open(key)
        return None if found is None else found.size

    async def delete(self, keys: Iterable[str]) -> None:
        paths = [self.path(key) for key in keys]
        try:
            await asyncio.to_thread(_remove, paths)
        except OSError as exc:
            raise MediaStoreUnavailable(detail=f"deleting: {exc}") from exc

    async def keys(self, prefix: str) -> AsyncIterator[KeyInfo]:
        if prefix not in PREFIXES:
            raise ValueError(f"not a media prefix: {prefix!r}")
        for key, size in await asyncio.to_thread(_walk, self._root, prefix):
            yield KeyInfo(key, size)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per writer: two processes caching the same partner file never interleave
    # their bytes in one temporary file, and the rename makes one whole file or the other visible.
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_PART)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        for partial in path.parent.glob(f".{path.name}.*{_PART}") if path.parent.is_dir() else ():
            partial.unlink(missing_ok=True)
        try:
            path.parent.rmdir()  # the token's folder, once its last file is gone
        except OSError:
            pass


def _walk(root: Path, prefix: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    base = root / prefix
    if not base.is_dir():
        return found
    for folder in base.iterdir():
        if not folder.is_dir():
            continue
        for file in folder.iterdir():
            key = f"{prefix}{folder.name}/{file.name}"
            if file.is_file() and valid_key(key):
                found.append((key, file.stat().st_size))
    return found
