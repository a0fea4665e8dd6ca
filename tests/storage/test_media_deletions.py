"""Conformance: the queue of media objects to delete, and letting go of unused media rows, on every backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage.media import NewMedia, NewScheduledStatus
from storage.metrics import Queue
from storage.models import Account, AccountKind, NewAccount, NewStatus, Visibility
from storage.protocols import Storage

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
ORIGINAL = "media/" + "a" * 32 + "/original.jpg"
SMALL = "media/" + "a" * 32 + "/small.jpg"
OTHER = "media/" + "b" * 32 + "/original.png"


async def account(storage: Storage, username: str) -> Account:
    return await storage.accounts.create_local(NewAccount(AccountKind.EMPLOYEE, username, username, "pub", "priv"))


def medium(owner: Account, token: str) -> NewMedia:
    return NewMedia(owner.id, "image", token, "original.jpg", "small.jpg", "image/jpeg", None, (0.0, 0.0),
                    "LEHV6nWB2yk8", {})


async def test_enqueueing_a_key_twice_is_one_row_due_when_last_asked(storage: Storage) -> None:
    queue = storage.media_deletions
    later = T0 + timedelta(hours=24)

    assert await queue.enqueue([ORIGINAL, SMALL, ORIGINAL], later, T0) == 2
    await queue.enqueue([ORIGINAL], T0, T0 + timedelta(minutes=1))

    first = await queue.get(ORIGINAL)
    assert first is not None
    assert first.due_at == T0
    assert first.created_at == T0
    assert first.attempts == 0
    assert first.locked_until is None
    assert first.last_error is None
    small = await queue.get(SMALL)
    assert small is not None and small.due_at == later
    assert await queue.enqueue([], T0, T0) == 0


async def test_only_due_rows_are_claimed_each_once_under_a_lease(storage: Storage) -> None:
    queue = storage.media_deletions
    await queue.enqueue([ORIGINAL, SMALL], T0, T0)
    await queue.enqueue([OTHER], T0 + timedelta(hours=24), T0)

    claimed = await queue.claim_due(T0, T0 + LEASE, 10)

    assert [d.key for d in claimed] == [ORIGINAL, SMALL]
    assert [d.attempts for d in claimed] == [1, 1]
    assert [d.locked_until for d in claimed] == [T0 + LEASE, T0 + LEASE]
    # Held rows are not claimed again while the lease runs, and come back once it has run out.
    assert await queue.claim_due(T0 + timedelta(minutes=1), T0 + LEASE, 10) == []
    again = await queue.claim_due(T0 + LEASE, T0 + 2 * LEASE, 1)
    assert [(d.key, d.attempts) for d in again] == [(ORIGINAL, 2)]


async def test_concurrent_claims_never_share_a_row(storage: Storage) -> None:
    queue = storage.media_deletions
    keys = [f"media/{chr(ord('a') + i) * 32}/original.jpg" for i in range(6)]
    await queue.enqueue(keys, T0, T0)

    batches = await asyncio.gather(*(queue.claim_due(T0, T0 + LEASE, 2) for _ in range(4)))

    taken = [d.key for batch in batches for d in batch]
    assert sorted(taken) == sorted(keys)
    assert len(taken) == len(set(taken))


async def test_a_retry_keeps_the_error_and_a_done_row_is_gone(storage: Storage) -> None:
    queue = storage.media_deletions
    await queue.enqueue([ORIGINAL, SMALL], T0, T0)
    await queue.claim_due(T0, T0 + LEASE, 10)

    await queue.retry(ORIGINAL, T0 + timedelta(minutes=1), "bucket unreachable " + "x" * 2000)
    assert await queue.done([SMALL]) == 1

    row = await queue.get(ORIGINAL)
    assert row is not None
    assert row.due_at == T0 + timedelta(minutes=1)
    assert row.locked_until is None
    assert row.last_error is not None and row.last_error.startswith("bucket unreachable")
    assert len(row.last_error) == 1000
    assert await queue.get(SMALL) is None
    assert await queue.claim_due(T0 + timedelta(seconds=30), T0 + LEASE, 10) == []
    assert [d.key for d in await queue.claim_due(T0 + timedelta(minutes=1), T0 + LEASE, 10)] == [ORIGINAL]
    # Asked again while retrying: still one row, its attempts and error kept.
    await queue.enqueue([ORIGINAL], T0, T0)
    kept = await queue.get(ORIGINAL)
    assert kept is not None and kept.attempts == 2 and kept.last_error == row.last_error
    assert await queue.done([]) == 0


async def test_counts_say_how_many_are_due_waiting_and_failing(storage: Storage) -> None:
    queue = storage.media_deletions
    empty = await queue.counts(T0)
    assert (empty.due, empty.waiting, empty.failing, empty.oldest_failing_since) == (0, 0, 0, None)
    await queue.enqueue([ORIGINAL], T0, T0)
    await queue.enqueue([SMALL, OTHER], T0 + timedelta(hours=24), T0 + timedelta(minutes=2))
    await queue.claim_due(T0, T0 + LEASE, 10)
    await queue.retry(ORIGINAL, T0 + timedelta(minutes=1), "down")

    counts = await queue.counts(T0 + timedelta(minutes=5))

    assert counts.due == 1
    assert counts.waiting == 2
    assert counts.failing == 1
    assert counts.oldest_failing_since == T0


async def test_the_work_metrics_count_the_queue(storage: Storage) -> None:
    queue = storage.media_deletions
    await queue.enqueue([ORIGINAL, SMALL], T0, T0)
    await queue.enqueue([OTHER], T0 + timedelta(hours=24), T0)
    await queue.claim_due(T0, T0 + LEASE, 1)

    reading = await storage.metrics.work_metrics(T0 + timedelta(minutes=1), timedelta(hours=1))

    depth = next(d for d in reading.queues if d.queue is Queue.MEDIA_DELETIONS)
    assert (depth.pending, depth.due, depth.retrying) == (3, 2, 1)
    assert reading.lag_seconds(depth) == 60.0


async def test_unused_media_rows_go_and_those_in_use_stay(storage: Storage) -> None:
    alice = await account(storage, "alice")
    live_status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="live"))
    gone_status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="gone"))
    live = await storage.media.create(medium(alice, "l" * 32))
    orphan = await storage.media.create(medium(alice, "o" * 32))
    unattached = await storage.media.create(medium(alice, "u" * 32))
    await storage.media.attach(live_status.id, alice.id, [live.id])
    await storage.media.attach(gone_status.id, alice.id, [orphan.id])
    await storage.statuses.delete(gone_status.id)

    in_use = await storage.media.delete_unused(["l" * 32, "o" * 32, "u" * 32, "n" * 32])

    assert list(in_use) == ["l" * 32]
    kept = await storage.media.get(live.id)
    assert kept is not None and kept.status_id == live_status.id
    assert await storage.media.get(orphan.id) is None
    assert await storage.media.get(unattached.id) is None
    assert await storage.media.delete_unused([]) == []


async def test_a_redrafted_medium_is_in_use_again(storage: Storage) -> None:
    alice = await account(storage, "alice")
    first = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="first"))
    media = await storage.media.create(medium(alice, "r" * 32))
    await storage.media.attach(first.id, alice.id, [media.id])
    await storage.statuses.delete(first.id)

    # Delete-and-redraft: the new status takes the medium back before its removal is due.
    redraft = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="again"))
    assert await storage.media.attach(redraft.id, alice.id, [media.id]) == 1

    assert list(await storage.media.delete_unused(["r" * 32])) == ["r" * 32]
    kept = await storage.media.get(media.id)
    assert kept is not None and kept.status_id == redraft.id


async def test_a_medium_reserved_for_a_scheduled_status_is_in_use(storage: Storage) -> None:
    alice = await account(storage, "alice")
    first = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="first"))
    media = await storage.media.create(medium(alice, "s" * 32))
    await storage.media.attach(first.id, alice.id, [media.id])
    await storage.statuses.delete(first.id)

    # The redraft is scheduled for later: the medium waits with it.
    await storage.scheduled.create(NewScheduledStatus(alice.id, T0 + timedelta(days=2), {"status": "later"},
                                                      media_ids=(media.id,)))

    assert list(await storage.media.delete_unused(["s" * 32])) == ["s" * 32]
    assert await storage.media.get(media.id) is not None
