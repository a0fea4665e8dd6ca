"""Media objects leave the media store through a stored queue (``storage.media_deletions``), with retries.

A store that is down for a while (a disk full, a bucket unreachable) loses nothing and leaves nothing
behind: a removal is a row first, and the row stays until its object is gone.

1. ``QueuedRemovals.remove(keys)`` queues keys due now; it is the services' ``MediaRemovals``.
2. ``QueuedRemovals.status_deleted`` queues the files of a deleted status's uploads (those it has, and
   those its edits took off it): due now when the author asked for ``delete_media``, else in
   ``REDRAFT_GRACE`` (24 hours, as Mastodon keeps them), so that a delete-and-redraft can take them back.
3. ``MediaDeletionWorker.run_once()`` claims due rows in a batch under a lease. For uploads
   (``media/<token>/...``) it first lets go of the media rows nothing uses any more
   (``storage.media.delete_unused``, atomic with a redraft's attach); a medium a live status uses
   again keeps its objects and its rows leave the queue. The rest are deleted from the store in one
   call and leave the queue; if the store is unavailable, each row is due again after an exponential
   backoff (1 minute, doubling, at most 6 hours), with the store's error kept on the row. It never
   gives up: ``storage.media_deletions.counts`` shows how many are failing and since when.

A retracted status keeps its media (staff still see them at their capability URLs); only deleting the
status removes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Final

from activitypub.errors import MediaStoreUnavailable
from server.media.store import MediaStore, check_key, valid_key
from server.services.media import ROOT, media_key
from storage.clock import utcnow
from storage.media import MediaAttachment
from storage.media_deletions import MediaDeletion
from storage.protocols import Storage

log = logging.getLogger(__name__)

REDRAFT_GRACE: Final = timedelta(hours=24)
FIRST_RETRY: Final = timedelta(minutes=1)
LONGEST_RETRY: Final = timedelta(hours=6)
UPLOADS: Final = f"{ROOT}/"


def upload_keys(media: MediaAttachment) -> list[str]:
    """The objects of one of our uploads (a partner's medium has none here: its cache is cleaned apart)."""
    token = media.capability_token
    if token is None or media.remote_url is not None:
        return []
    names = [name for name in (media.file_name, media.thumbnail_name) if name]
    return [key for key in (media_key(token, name) for name in dict.fromkeys(names)) if valid_key(key)]


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th try failed: 1 minute, 2, 4... and never more than 6 hours."""
    steps = min(max(attempts, 1) - 1, 20)
    delay: timedelta = FIRST_RETRY * (1 << steps)
    return min(delay, LONGEST_RETRY)


def upload_token(key: str) -> str | None:
    if not key.startswith(UPLOADS):
        return None
    return key[len(UPLOADS):].split("/", 1)[0]


class QueuedRemovals:
    """``MediaRemovals`` through the stored queue; ``MediaDeletionWorker`` does the deleting."""

    def __init__(self, storage: Storage, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._clock = clock

    async def remove(self, keys: Sequence[str]) -> None:
        await self.remove_at(keys, self._clock())

    async def remove_at(self, keys: Sequence[str], due_at: datetime) -> None:
        """Queue the keys, due at ``due_at``; ValueError (nothing queued) if one is not a media key."""
        checked = [check_key(key) for key in keys]
        await self._storage.media_deletions.enqueue(checked, due_at, self._clock())

    async def status_deleted(self, status_id: int, author_id: int, *, at_once: bool) -> None:
        """Queue the files of the deleted status's uploads: now, or after the redraft grace."""
        media = list((await self._storage.media.for_statuses([status_id])).get(status_id, ()))
        media += await self._taken_off_by_edits(status_id, author_id)
        keys = [key for medium in media for key in upload_keys(medium)]
        if keys:
            now = self._clock()
            await self.remove_at(keys, now if at_once else now + REDRAFT_GRACE)

    async def _taken_off_by_edits(self, status_id: int, author_id: int) -> list[MediaAttachment]:
        # An edit that dropped a medium left it unattached; the status's revisions still name it.
        named = {media_id for edit in await self._storage.statuses.edits(status_id) for media_id, _ in edit.media or ()}
        found = await self._storage.media.get_many(sorted(named))
        return [m for m in found.values() if m.account_id == author_id and m.status_id is None
                and m.scheduled_status_id is None]


class MediaDeletionWorker:
    """Drains ``storage.media_deletions``: deletes due objects in batches, retrying while the store is down."""

    name = "media-deletions"

    def __init__(
        self, storage: Storage, store: MediaStore, *, clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=5), batch: int = 100, idle_seconds: float = 30.0,
    ) -> None:
        self._storage = storage
        self._store = store
        self._clock = clock
        self._lease = lease
        self._batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        due = await self._storage.media_deletions.claim_due(now, now + self._lease, self._batch)
        if not due:
            return 0
        malformed = [row for row in due if not valid_key(row.key)]
        for row in malformed:  # never queued by QueuedRemovals; kept, with why, for an operator to see
            await self._storage.media_deletions.retry(row.key, now + LONGEST_RETRY, "not a media key")
        wanted = [row for row in due if valid_key(row.key)]
        kept = await self._still_used([row.key for row in wanted])
        await self._storage.media_deletions.done(kept)
        await self._delete([row for row in wanted if row.key not in kept], now)
        return len(due)

    async def _still_used(self, keys: Sequence[str]) -> list[str]:
        """Keys of uploads a live status uses again (a redraft took them back); the rest lose their rows."""
        tokens = sorted({token for key in keys if (token := upload_token(key)) is not None})
        used = set(await self._storage.media.delete_unused(tokens)) if tokens else set()
        return [key for key in keys if upload_token(key) in used]

    async def _delete(self, rows: Sequence[MediaDeletion], now: datetime) -> None:
        if not rows:
            return
        try:
            await self._store.delete([row.key for row in rows])
        except MediaStoreUnavailable as exc:
            error = exc.detail or exc.public_message
            log.warning("media store unavailable; deletions will be retried",
                        extra={"objects": len(rows), "store": self._store.name, "error": error})
            for row in rows:
                await self._storage.media_deletions.retry(row.key, now + retry_delay(row.attempts), error)
            return
        await self._storage.media_deletions.done([row.key for row in rows])
