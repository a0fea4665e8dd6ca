"""Remote media, proxied: clients load our URL, and only the server ever talks to the partner.

Staff IP addresses must never reach partners (docs/design.md, "What crosses the
boundary"), so a remote attachment, avatar, header or card image is shown
as ``/media/proxy/<token>/<original|small>``. The token is 192 random bits,
made when the row is stored, never derived from an id or the URL. On the
first request (or ahead of time, by ``RemoteMediaWorker``) the file is
fetched through the one outbound client (federation policy, SSRF guard, a
size cap), decoded and re-encoded by ``server.media.process_image`` (so
metadata and polyglots do not survive), and cached in the media store under
the keys ``cache/remote/<token>/{original,small}.<ext>``.

A temporary failure answers 502 and is retried later with backoff; a file
that is no image, too large, or at a refused destination is given up and
answers 404. A media store that refuses the copy answers 503 and the row is
retried like a temporary failure. A domain the federation policy blocks is
never fetched.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from activitypub.errors import InsideoutError, MediaStoreUnavailable, NotFound, RetryLater
from activitypub.uris import Uris
from federation.http import OutboundClient
from federation.media_tokens import new_token
from federation.outcomes import RemoteHTTPError
from server.config import Settings
from server.media import ProcessedImage, process_image
from server.media.store import MediaStore, discard
from server.services.media import EXTENSIONS, StoredFile, open_file
from storage.clock import utcnow
from storage.protocols import Storage
from storage.remote_media import CachedFile, RemoteFile, RemoteFileState

ROOT: Final = "cache/remote"
SIZES: Final = ("original", "small")
IMAGE_ACCEPT: Final = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,image/*;q=0.8"
# Longer than the worst fetch: the partner's answer (60 s at most), then two store writes (60 s each
# plus retries). An outcome is recorded, and written objects taken back, only under the lease still
# held (see ``_attempt``), so a fetch that overruns it cannot undo another process's cached copy.
LEASE: Final = timedelta(minutes=10)
DISCARD_MARGIN: Final = timedelta(minutes=1)
FIRST_RETRY: Final = timedelta(minutes=5)
LAST_RETRY: Final = timedelta(days=1)
MAX_ATTEMPTS: Final = 8
_TOKEN: Final = re.compile(r"\A[A-Za-z0-9_-]{32}\Z")

log = logging.getLogger(__name__)


def proxy_url(base_url: str, token: str, size: str = "original") -> str:
    return Uris.of(base_url).media_proxy(token, size)


def cache_key(token: str, name: str) -> str:
    return f"{ROOT}/{token}/{name}"


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LAST_RETRY)


class ProxyUrls:
    """Our URL for a partner's image (avatar, header, card image), registering it on first sight."""

    def __init__(self, storage: Storage, base_url: str) -> None:
        self._storage = storage
        self._base_url = base_url

    async def for_urls(self, urls: Sequence[str]) -> Mapping[str, str]:
        wanted = sorted({url for url in urls if _web_host(url)})
        tokens = dict(await self._storage.remote_files.image_tokens(wanted))
        missing = {url: (new_token(), _web_host(url) or "") for url in wanted if url not in tokens}
        if missing:
            tokens.update(await self._storage.remote_files.register_images(missing))
        return {url: proxy_url(self._base_url, token) for url, token in tokens.items()}


def _web_host(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.hostname.lower() if parts.scheme in ("http", "https") and parts.hostname else None


class RemoteMediaCache:
    def __init__(
        self, storage: Storage, http: OutboundClient, settings: Settings, store: MediaStore, *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._storage = storage
        self._http = http
        self._store = store
        self._max_bytes = settings.media.max_image_bytes
        self._max_pixels = settings.media.max_image_pixels
        self._clock = clock
        # One fetch per token in this process; the row's lease covers other processes.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def file(self, token: str, size: str) -> StoredFile:
        """The cached file behind a proxy URL, fetched now if need be; NotFound or RetryLater otherwise."""
        if not _TOKEN.match(token) or size not in SIZES:
            raise NotFound()
        lock = self._locks.setdefault(token, asyncio.Lock())
        async with lock:
            row = await self._storage.remote_files.get(token)
            if row is None or row.state is RemoteFileState.FAILED:
                raise NotFound()
            if row.state is RemoteFileState.PENDING:
                row = await self._fetch_now(row)
        return await self._stored(row, size)

    async def prefetch(self, token: str) -> RemoteFile | None:
        """Fetch now if due and allowed; the row as it stands afterwards (None if unknown)."""
        try:
            await self.file(token, "original")
        except InsideoutError:
            pass  # recorded on the row; the proxy tries again later
        return await self._storage.remote_files.get(token)

    async def _fetch_now(self, row: RemoteFile) -> RemoteFile:
        if not self._http.policy.is_allowed(row.host):
            raise NotFound()  # blocked: never fetched, and the row waits in case the policy changes
        now = self._clock()
        leased = await self._storage.remote_files.lease(row.token, now, now + LEASE)
        if leased is None:
            raise RetryLater("The remote file is not available yet", detail=f"{row.token} not due or leased")
        failure = await self._attempt(leased)
        if isinstance(failure, MediaStoreUnavailable):
            raise failure  # our store, not the partner: 503, and the row is retried later
        fetched = await self._storage.remote_files.get(row.token)
        if fetched is None or fetched.state is RemoteFileState.FAILED:
            raise NotFound()
        if fetched.state is not RemoteFileState.CACHED:
            raise RetryLater("The remote file could not be fetched", detail=fetched.last_error)
        return fetched

    async def _stored(self, row: RemoteFile, size: str) -> StoredFile:
        name = row.original_name if size == "original" else row.small_name
        if not name:
            raise NotFound()
        return await open_file(self._store, cache_key(row.token, name))

    async def fetch(self, row: RemoteFile) -> bool:
        """Fetch, re-encode and cache one leased row, recording the outcome; True if cached by this call."""
        return await self._attempt(row) is None

    async def _attempt(self, row: RemoteFile) -> BaseException | None:
        """``fetch``, returning the failure recorded on the row (None once cached).

        ``row`` is as the lease gave it: its ``locked_until`` is the lease, and every outcome is
        recorded only while the row is still pending under that lease. If it ran out and another
        process took the row over, nothing here touches the row or that process's objects."""
        lease = row.locked_until
        if lease is None:
            raise ValueError(f"remote file {row.token} is not leased")
        files = self._storage.remote_files
        if not self._http.policy.is_allowed(row.host):
            await files.mark_retry(row.token, lease, self._clock() + LAST_RETRY, "domain blocked")
            return NotFound(detail="domain blocked")
        try:
            fetched = await self._http.get_bytes(
                row.url, max_bytes=self._max_bytes, accept=IMAGE_ACCEPT, media_types=frozenset({"image/"})
            )
            image = await asyncio.to_thread(
                process_image, fetched.body, max_bytes=self._max_bytes, max_pixels=self._max_pixels
            )
            cached = await self._save(row.token, lease, image)
        except (RetryLater, RemoteHTTPError, MediaStoreUnavailable, OSError) as exc:
            await self._retry_or_give_up(row, exc)
            return exc
        except InsideoutError as exc:  # not an image, too large, refused destination, gone
            await files.mark_failed(row.token, lease, f"{type(exc).__name__}: {exc}")
            return exc
        if not await files.mark_cached(row.token, lease, cached, self._clock()):
            # Overtaken: the objects stay, as they are the other process's keys (same token) too.
            log.info("remote file cached by another process meanwhile", extra={"token": row.token})
            return RetryLater("The remote file is being fetched", detail=f"{row.token} lease lost")
        return None

    async def _retry_or_give_up(self, row: RemoteFile, exc: BaseException) -> None:
        assert row.locked_until is not None  # checked by _attempt
        error = f"{type(exc).__name__}: {exc}"
        if row.attempts >= MAX_ATTEMPTS:
            await self._storage.remote_files.mark_failed(row.token, row.locked_until, error)
        else:
            retry_at = self._clock() + retry_delay(row.attempts)
            await self._storage.remote_files.mark_retry(row.token, row.locked_until, retry_at, error)

    async def _holds(self, token: str, lease: datetime) -> bool:
        """Whether the row is still pending under our lease, with time to spare (nobody else can lease it
        and write its keys before a delete sent now is done)."""
        row = await self._storage.remote_files.get(token)
        return (row is not None and row.state is RemoteFileState.PENDING and row.locked_until == lease
                and lease - self._clock() > DISCARD_MARGIN)

    async def _save(self, token: str, lease: datetime, image: ProcessedImage) -> CachedFile:
        original = f"original.{EXTENSIONS[image.original_mime]}"
        small = f"small.{EXTENSIONS[image.thumbnail_mime]}"
        keys = [cache_key(token, original), cache_key(token, small)]
        try:
            await self._store.put(keys[0], image.original, image.original_mime)
            await self._store.put(keys[1], image.thumbnail, image.thumbnail_mime)
        except BaseException:
            # Not through the removals: the row's next attempt writes these keys again, and a removal
            # still queued then would delete that good copy. Nor once the lease is lost: the keys
            # are then another process's, which may have cached (and be serving) them already.
            if await self._holds(token, lease):
                await discard(self._store, None, keys)
            else:
                log.info("remote file taken over meanwhile: its objects are left to the new holder",
                         extra={"token": token})
            raise
        return CachedFile(original, small, image.width, image.height, image.thumb_width, image.thumb_height,
                          image.blurhash)


class RemoteMediaWorker:
    """Prefetches pending remote files, so the first client to look rarely waits."""

    name = "remote-media"
    idle_seconds = 10.0

    def __init__(self, storage: Storage, cache: RemoteMediaCache, *, batch: int = 8,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._cache = cache
        self._batch = batch
        self._clock = clock

    async def run_once(self) -> int:
        now = self._clock()
        rows = await self._storage.remote_files.claim_due(now, now + LEASE, self._batch)
        for row in rows:
            await self._cache.fetch(row)
        return len(rows)
