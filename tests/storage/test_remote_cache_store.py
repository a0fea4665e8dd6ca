"""Conformance: cached remote files are claimed for removal oldest first, under a lease, and put back
to pending for a client's next request, never for the prefetch worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.metrics import Queue
from storage.protocols import Storage
from storage.remote_media import CachedFile, RemoteFileState

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
CACHED = CachedFile("original.webp", "small.webp", 8, 6, 4, 3, "L00000")


async def cached_file(storage: Storage, letter: str, fetched_at: datetime) -> str:
    token = letter * 32
    await storage.remote_files.register_images({f"https://cdn.example/{letter}.png": (token, "cdn.example")})
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert await storage.remote_files.lease(token, now, now + LEASE) is not None
    assert await storage.remote_files.mark_cached(token, now + LEASE, CACHED, fetched_at)
    return token


async def test_only_files_cached_before_the_cut_off_are_claimed_oldest_first(storage: Storage) -> None:
    old = await cached_file(storage, "a", T0 - timedelta(days=9))
    older = await cached_file(storage, "b", T0 - timedelta(days=20))
    await cached_file(storage, "c", T0 - timedelta(days=2))  # fetched recently: kept
    await storage.remote_files.register_images({"https://cdn.example/d.png": ("d" * 32, "cdn.example")})  # pending

    claimed = await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10)

    assert [row.token for row in claimed] == [older, old]
    assert [row.state for row in claimed] == [RemoteFileState.CACHED, RemoteFileState.CACHED]
    assert claimed[0].original_name == "original.webp"
    assert claimed[0].small_name == "small.webp"


async def test_a_claimed_file_is_not_claimed_again_until_its_lease_runs_out(storage: Storage) -> None:
    token = await cached_file(storage, "a", T0 - timedelta(days=9))
    cut_off = T0 - timedelta(days=7)

    first = await storage.remote_files.claim_stale(cut_off, T0, T0 + LEASE, 10)
    second = await storage.remote_files.claim_stale(cut_off, T0 + timedelta(minutes=1), T0 + LEASE, 10)
    after_lease = await storage.remote_files.claim_stale(cut_off, T0 + LEASE, T0 + 2 * LEASE, 10)

    assert [row.token for row in first] == [token]
    assert second == []
    assert [row.token for row in after_lease] == [token]


async def test_the_batch_is_bounded(storage: Storage) -> None:
    for letter in "abcde":
        await cached_file(storage, letter, T0 - timedelta(days=30))

    claimed = await storage.remote_files.claim_stale(T0, T0, T0 + LEASE, 3)
    rest = await storage.remote_files.claim_stale(T0, T0, T0 + LEASE, 3)

    assert len(claimed) == 3
    assert len(rest) == 2


async def test_uncache_puts_the_file_back_to_pending_for_the_proxy_but_not_the_prefetch_worker(
    storage: Storage,
) -> None:
    token = await cached_file(storage, "a", T0 - timedelta(days=9))
    claimed = await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10)

    assert await storage.remote_files.uncache([row.token for row in claimed], T0 + LEASE) == 1

    row = await storage.remote_files.get(token)
    assert row is not None
    assert row.state is RemoteFileState.PENDING
    assert row.original_name is None
    assert row.small_name is None
    assert row.attempts == 0
    assert row.locked_until is None
    assert row.fetched_at == T0 - timedelta(days=9)
    assert await storage.remote_files.claim_due(T0 + timedelta(days=1), T0 + timedelta(days=2), 10) == []
    leased = await storage.remote_files.lease(token, T0, T0 + LEASE)  # a client's request
    assert leased is not None
    assert leased.attempts == 1


async def test_uncache_needs_the_claim_that_was_made(storage: Storage) -> None:
    token = await cached_file(storage, "a", T0 - timedelta(days=9))
    await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10)

    # Another process took it over after the lease ran out: the first one's claim no longer holds.
    await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0 + LEASE, T0 + 2 * LEASE, 10)

    assert await storage.remote_files.uncache([token], T0 + LEASE) == 0
    assert await storage.remote_files.uncache([], T0 + LEASE) == 0
    row = await storage.remote_files.get(token)
    assert row is not None
    assert row.state is RemoteFileState.CACHED


async def test_a_file_fetched_again_is_cached_anew_and_kept(storage: Storage) -> None:
    token = await cached_file(storage, "a", T0 - timedelta(days=9))
    await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10)
    await storage.remote_files.uncache([token], T0 + LEASE)

    assert await storage.remote_files.lease(token, T0, T0 + LEASE) is not None
    assert await storage.remote_files.mark_cached(token, T0 + LEASE, CACHED, T0)

    assert await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10) == []


async def test_a_removed_file_is_no_work_for_the_prefetch_queue_in_the_metrics(storage: Storage) -> None:
    removed = await cached_file(storage, "a", T0 - timedelta(days=9))
    await storage.remote_files.claim_stale(T0 - timedelta(days=7), T0, T0 + LEASE, 10)
    await storage.remote_files.uncache([removed], T0 + LEASE)
    await storage.remote_files.register_images({"https://cdn.example/new.png": ("n" * 32, "cdn.example")})

    reading = await storage.metrics.work_metrics(T0 + timedelta(days=400), timedelta(hours=1))

    depth = next(queue for queue in reading.queues if queue.queue is Queue.REMOTE_MEDIA)
    assert depth.pending == 1  # the file never fetched; not the one waiting for a client's request
