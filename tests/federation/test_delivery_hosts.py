"""Per-host health: the circuit breaker and Mastodon-style unavailable domains."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from federation.fanout import enqueue, inboxes_for
from federation.policy import DomainPolicy
from storage.deliveries import Delivery, DeliveryState
from storage.models import Account
from storage.protocols import Storage
from tests.federation.delivery_helpers import (
    FakeClock,
    Inboxes,
    Published,
    client_for,
    guard_for,
    inboxes_for_actors,
    local_actor,
    note_activity,
    remote_actor,
    storage,
    worker_for,
)

pytestmark = pytest.mark.anyio
__all__ = ["storage"]
HOST = "down.example"


class Host:
    """Given: alice, and a remote host whose inboxes answer with ``inboxes.answer``."""

    def __init__(self, storage: Storage, alice: Account) -> None:
        self.storage, self.alice = storage, alice
        self.published = Published()
        self.clock = FakeClock()
        self.inboxes: Inboxes = inboxes_for_actors(alice)
        self.numbers = iter(range(1, 10_000))

    async def queue(self, count: int = 1, host: str = HOST) -> list[str]:
        """Queue ``count`` notes, each to its own inbox on ``host``; returns the activity ids."""
        ids = []
        for _ in range(count):
            number = next(self.numbers)
            activity = note_activity(self.alice, number)
            self.published.urls.add(activity["object"]["id"])
            inbox = f"https://{host}/users/u{number}/inbox"
            await enqueue(self.storage, activity, self.alice, [inbox], guard=guard_for(self.storage, self.published), clock=self.clock)
            ids.append(activity["id"])
        return ids

    async def run(self, **options: Any) -> int:
        async with client_for(self.inboxes) as http:
            worker = worker_for(self.storage, http, self.published, self.clock, per_host_concurrency=1, **options)
            return await worker.run_once()

    async def rows(self, ids: list[str]) -> list[Delivery]:
        return [row for activity in ids for row in await self.storage.deliveries.for_activity(activity)]


@pytest.fixture
async def host(storage: Storage) -> Host:
    return Host(storage, await local_actor(storage, "alice"))


def status(code: int) -> Any:
    return lambda request: httpx.Response(code)


async def test_the_circuit_opens_after_five_failures_and_holds_back_the_rest(host: Host) -> None:
    host.inboxes.answer = status(503)
    ids = await host.queue(8)

    await host.run()  # claims 4 (per-host cap 1 x 4): four failures, circuit still closed
    await host.run()  # the fifth failure opens it; the other three go back unsent

    rows = await host.rows(ids)
    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert len(host.inboxes.received) == 5
    assert health.consecutive_failures == 5 and health.circuit_open_until == host.clock.now + timedelta(minutes=1)
    held = [row for row in rows if row.attempts == 0]
    assert len(held) == 3 and all(row.state is DeliveryState.PENDING for row in held)
    assert all(health.circuit_open_until <= row.next_attempt_at <= health.circuit_open_until + timedelta(seconds=30) for row in held)


async def test_an_open_circuit_is_shared_by_every_worker(host: Host) -> None:
    host.inboxes.answer = status(503)
    await host.queue(5)
    await host.run(worker_id="a")
    await host.run(worker_id="a")
    later = await host.queue(1)

    await host.run(worker_id="b")

    [row] = await host.rows(later)
    assert len(host.inboxes.received) == 5 and row.attempts == 0 and row.next_attempt_at > host.clock.now


async def test_each_failure_while_open_doubles_the_wait_up_to_an_hour(host: Host) -> None:
    host.inboxes.answer = status(503)
    await host.queue(5)
    await host.run()
    await host.run()
    waits = []
    for _ in range(8):
        [health] = (await host.storage.deliveries.domains([HOST])).values()
        assert health.circuit_open_until is not None
        waits.append(health.circuit_open_until - host.clock.now)
        host.clock.to(health.circuit_open_until + timedelta(minutes=30))
        await host.queue(1)
        await host.run()

    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_a_success_closes_the_circuit(host: Host) -> None:
    host.inboxes.answer = status(503)
    await host.queue(5)
    await host.run()
    await host.run()
    host.inboxes.answer = status(202)
    host.clock.advance(minutes=2)
    ids = await host.queue(1)

    await host.run()  # the earliest due rows first: the failed ones, now answered
    await host.run()

    [row] = await host.rows(ids)
    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert row.state is DeliveryState.DONE
    assert health.consecutive_failures == 0 and health.circuit_open_until is None and health.last_success_at == host.clock.now


async def test_a_refusal_proves_the_host_is_up(host: Host) -> None:
    host.inboxes.answer = status(404)
    await host.queue(6)

    await host.run()
    await host.run()

    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert len(host.inboxes.received) == 6 and health.consecutive_failures == 0


async def fail_on_days(host: Host, days: int) -> None:
    host.inboxes.answer = status(503)
    for _ in range(days):
        await host.queue(2)
        await host.run()
        host.clock.advance(days=1)


async def test_failures_on_seven_distinct_days_make_a_host_unavailable(host: Host) -> None:
    await fail_on_days(host, 6)
    recipients = [remote_actor("x", HOST), remote_actor("y", "up.example")]
    before = await inboxes_for(host.storage, recipients, policy=DomainPolicy())

    await fail_on_days(host, 1)

    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert before == [f"https://{HOST}/inbox", "https://up.example/inbox"]
    assert health.failure_days == 7 and health.unavailable
    assert await inboxes_for(host.storage, recipients, policy=DomainPolicy()) == ["https://up.example/inbox"]
    assert [d.host for d in await host.storage.deliveries.list_domains(unavailable_only=True)] == [HOST]


async def test_many_failures_on_one_day_count_as_one_day(host: Host) -> None:
    host.inboxes.answer = status(503)
    for _ in range(7):
        await host.queue(1)
        await host.run()
        host.clock.advance(minutes=90)  # past any open circuit, same UTC day

    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert health.consecutive_failures >= 7 and health.failure_days == 1 and not health.unavailable


async def test_a_success_makes_an_unavailable_host_available_again(host: Host) -> None:
    await fail_on_days(host, 7)
    host.inboxes.answer = status(202)
    host.clock.advance(hours=2)
    ids = await host.queue(1)  # queued explicitly: fan-out itself would skip the host

    while await host.run():
        pass

    [health] = (await host.storage.deliveries.domains([HOST])).values()
    assert [row.state for row in await host.rows(ids)] == [DeliveryState.DONE]
    assert not health.unavailable and health.failure_days == 0 and health.consecutive_failures == 0
