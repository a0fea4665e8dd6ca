"""Partners' media we cached and nobody fetched for ``[media] remote_cache_days``: removed, fetched again on demand.

A cached remote file (``server.services.remote_media``) is a row and two objects,
``cache/remote/<token>/original.*`` and ``small.*``. Mastodon's ``tootctl media remove``
keeps the same bargain: the cache holds what staff look at, and an old post's
image costs one fetch from the partner when someone scrolls back to it.

One batch, the same on both media stores and safe in any number of processes:

1. claim up to ``batch`` cached files last fetched before the cut-off, oldest first, under
   a lease (another process skips them; they stay cached and served meanwhile);
2. delete their objects from the store (an absent object is already deleted);
3. put the rows back to pending while the claim holds; only a client's request fetches
   them again, never the prefetch worker.

A store that fails at 2 leaves the rows cached and claimed: the lease runs out and a later
batch takes them again. A process that dies between 2 and 3 leaves the same, so nothing
ever stays cached without its objects for longer than a lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from server.media.store import MediaStore, valid_key
from storage.clock import utcnow
from storage.protocols import Storage
from storage.remote_media import RemoteFile

PREFIX: Final = "cache/remote/"
LEASE: Final = timedelta(minutes=5)
BATCH: Final = 100

log = logging.getLogger(__name__)


def cached_keys(row: RemoteFile) -> list[str]:
    """The store's keys of one cached file (what ``RemoteMediaCache`` wrote)."""
    names = (row.original_name, row.small_name)
    return [key for key in (f"{PREFIX}{row.token}/{name}" for name in names if name) if valid_key(key)]


@dataclass(frozen=True, slots=True)
class Removed:
    files: int
    objects: int


class RemoteCacheCleanup:
    """One bounded batch per ``run_once()``; idle for a while once nothing is left to remove.

    ``days`` is ``[media] remote_cache_days``; 0 keeps every cached file.
    """

    name = "remote-cache-cleanup"
    idle_seconds = 600.0

    def __init__(
        self, storage: Storage, store: MediaStore, days: int, *, batch: int = BATCH,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._storage = storage
        self._store = store
        self._days = days
        self._batch = batch
        self._clock = clock

    @property
    def keeps_everything(self) -> bool:
        return self._days == 0

    async def run_once(self) -> int:
        return (await self.remove_batch()).files

    async def remove_batch(self) -> Removed:
        if self.keeps_everything:
            return Removed(0, 0)
        now = self._clock()
        lease_until = now + LEASE
        rows = await self._storage.remote_files.claim_stale(
            now - timedelta(days=self._days), now, lease_until, self._batch
        )
        if not rows:
            return Removed(0, 0)
        keys = [key for row in rows for key in cached_keys(row)]
        await self._store.delete(keys)  # MediaStoreUnavailable: the claim runs out, a later batch retries
        files = await self._storage.remote_files.uncache([row.token for row in rows], lease_until)
        log.info("removed cached remote media", extra={"files": files, "objects": len(keys)})
        return Removed(files, len(keys))

    async def remove_all(self, progress: Callable[[Removed], None] = lambda removed: None) -> Removed:
        """Batches until none is left (the command line's ``insideout media remove-remote``)."""
        files = objects = 0
        while True:
            removed = await self.remove_batch()
            if removed.files == 0 and removed.objects == 0:
                return Removed(files, objects)
            files += removed.files
            objects += removed.objects
            progress(Removed(files, objects))


def remote_cache_cleanup(
    storage: Storage, store: MediaStore, days: int, *, clock: Callable[[], datetime] = utcnow
) -> Sequence[RemoteCacheCleanup]:
    """The ``media`` queue's clean-up worker; none while ``remote_cache_days`` is 0."""
    return [] if days == 0 else [RemoteCacheCleanup(storage, store, days, clock=clock)]
