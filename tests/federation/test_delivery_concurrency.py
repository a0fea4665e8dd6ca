"""Several workers, one queue: no row is delivered twice, and a dead worker's rows come back."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from activitypub.errors import ConfigError
from federation.delivery import DeliveryWorker
from federation.fanout import enqueue
from storage.deliveries import DeliveryState
from storage.protocols import Storage
from storage.sqlite import SqliteStorage
from tests.federation.delivery_helpers import (
    FakeClock,
    Published,
    client_for,
    guard_for,
    inboxes_for_actors,
    local_actor,
    note_activity,
    storage,
    worker_for,
)

pytestmark = pytest.mark.anyio
__all__ = ["storage"]


async def queue_notes(storage: Storage, published: Published, clock: FakeClock, count: int, hosts: int) -> list[str]:
    alice = await local_actor(storage, "alice")
    ids = []
    for number in range(1, count + 1):
        activity = note_activity(alice, number)
        published.urls.add(activity["object"]["id"])
        inboxes = [f"https://h{(number + n) % hosts}.example/inbox" for n in range(3)]
        await enqueue(storage, activity, alice, inboxes, guard=guard_for(storage, published), clock=clock)
        ids.append(activity["id"])
    return ids


async def test_two_workers_in_overlapping_runs_never_deliver_a_row_twice(storage: Storage, tmp_path: Path) -> None:
    published, clock = Published(), FakeClock()
    await queue_notes(storage, published, clock, count=40, hosts=7)
    alice = await storage.accounts.get_local("alice")
    assert alice is not None
    inboxes = inboxes_for_actors(alice)
    inboxes.pause = 0.001  # keep requests in flight so the two runs overlap

    # A second storage handle on the same file stands in for a second process.
    other = SqliteStorage(str(tmp_path / "deliveries.sqlite3"))
    await other.open()
    try:
        async with client_for(inboxes) as http_a, client_for(inboxes) as http_b:
            a = worker_for(storage, http_a, published, clock, worker_id="a", batch=16)
            b = worker_for(other, http_b, published, clock, worker_id="b", batch=16)
            while sum(await asyncio.gather(a.run_once(), b.run_once())):
                pass
    finally:
        await other.close()

    sent = Counter((str(request.url), request.content) for request in inboxes.received)
    assert len(sent) == 120 and set(sent.values()) == {1} and inboxes.rejected == []
    counts = await storage.deliveries.counts_by_host()
    assert sum(c.done for c in counts) == 120 and sum(c.pending for c in counts) == 0


async def test_a_row_locked_by_a_dead_worker_is_delivered_after_its_lease(storage: Storage) -> None:
    published, clock = Published(), FakeClock()
    [activity_id] = await queue_notes(storage, published, clock, count=1, hosts=3)
    alice = await storage.accounts.get_local("alice")
    assert alice is not None
    inboxes = inboxes_for_actors(alice)
    lease = timedelta(minutes=5)
    # Given: a worker claimed every row and then died without recording anything.
    dead = await storage.deliveries.claim("dead", clock.now, clock.now + lease, limit=10, per_host_limit=10)

    async with client_for(inboxes) as http:
        worker = worker_for(storage, http, published, clock, worker_id="alive", lease=lease)
        during_lease = await worker.run_once()
        clock.advance(minutes=5, seconds=1)
        after_lease = await worker.run_once()

    rows = await storage.deliveries.for_activity(activity_id)
    assert len(dead) == 3 and during_lease == 0 and after_lease == 3
    assert all(row.state is DeliveryState.DONE and row.attempts == 1 for row in rows)
    assert len(inboxes.received) == 3


async def test_a_row_too_close_to_its_lease_end_is_released_unsent(storage: Storage) -> None:
    published, clock = Published(), FakeClock()
    alice = await local_actor(storage, "alice")
    activity = note_activity(alice)
    published.urls.add(activity["object"]["id"])
    inboxes = [f"https://slow.example/users/u{n}/inbox" for n in range(3)]
    await enqueue(storage, activity, alice, inboxes, guard=guard_for(storage, published), clock=clock)
    remote = inboxes_for_actors(alice)

    def two_minutes_per_answer(request: httpx.Request) -> httpx.Response:
        clock.advance(minutes=2)
        return httpx.Response(202)

    remote.answer = two_minutes_per_answer

    async with client_for(remote) as http:
        # One at a time under a 5-minute lease with a 90 s budget per request:
        # sent at 0 and 2 minutes; at 4 minutes the third could outlive the lease.
        worker = worker_for(
            storage, http, published, clock, lease=timedelta(minutes=5), send_budget=90.0, per_host_concurrency=1
        )
        handled = await worker.run_once()

    rows = await storage.deliveries.for_activity(activity["id"])
    assert handled == 3 and len(remote.received) == 2
    [released] = [row for row in rows if row.state is DeliveryState.PENDING]
    assert released.attempts == 0 and released.locked_by is None and released.next_attempt_at == clock.now
    assert sum(row.state is DeliveryState.DONE for row in rows) == 2


def test_a_lease_shorter_than_a_request_is_refused() -> None:
    with pytest.raises(ConfigError):
        DeliveryWorker(
            None, None, None, base_url="https://x", worker_id="w", lease=timedelta(seconds=30), send_budget=60.0  # type: ignore[arg-type]
        )
