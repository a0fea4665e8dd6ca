"""The delivery worker against remote inboxes that verify signatures: outcomes, retries, expiry."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from federation.backoff import RetryPolicy
from federation.fanout import enqueue
from federation.policy import DomainPolicy
from storage.deliveries import Delivery, DeliveryState, NewDelivery
from storage.models import Account, AccountKind, NewAccount, ProfileChanges
from storage.protocols import Storage
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
INBOX = "https://social.example/inbox"


class Scene:
    """Given: alice (exposed) published a note and its Create is queued for INBOX."""

    def __init__(self, storage: Storage, alice: Account, published: Published, activity: dict[str, Any]) -> None:
        self.storage, self.alice, self.published, self.activity = storage, alice, published, activity
        self.clock = FakeClock()
        self.inboxes = inboxes_for_actors(alice)

    async def run(self, policy: DomainPolicy | None = None, **options: Any) -> int:
        async with client_for(self.inboxes, policy) as http:
            return await worker_for(self.storage, http, self.published, self.clock, **options).run_once()

    async def row(self) -> Delivery:
        [row] = await self.storage.deliveries.for_activity(self.activity["id"])
        return row


@pytest.fixture
async def scene(storage: Storage) -> Scene:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice)
    published.urls.add(activity["object"]["id"])
    made = Scene(storage, alice, published, activity)
    await enqueue(storage, activity, alice, [INBOX], guard=guard_for(storage, published), clock=made.clock)
    return made


def answer(status: int, **headers: str) -> Any:
    return lambda request: httpx.Response(status, headers=headers, text=f"status {status}")


async def test_a_delivery_is_signed_sent_once_and_marked_done(scene: Scene) -> None:
    handled = await scene.run()

    row = await scene.row()
    assert handled == 1 and scene.inboxes.rejected == []
    [request] = scene.inboxes.received
    assert str(request.url) == INBOX and request.content == row.payload
    assert json.loads(request.content) == scene.activity
    assert request.headers["content-type"] == "application/activity+json"
    assert 'keyId="https://insideout.example/users/alice#main-key"' in request.headers["signature"]
    assert row.state is DeliveryState.DONE and row.attempts == 1 and row.last_status == 202
    assert row.finished_at == scene.clock.now and row.locked_by is None
    assert await scene.run() == 0


async def test_an_object_unpublished_after_queueing_is_not_sent(scene: Scene) -> None:
    scene.published.urls.clear()

    await scene.run()

    row = await scene.row()
    assert scene.inboxes.received == [] and row.state is DeliveryState.FAILED and row.attempts == 0
    assert row.last_error is not None and row.last_error.startswith("guard:")


async def test_an_actor_hidden_after_queueing_sends_nothing(scene: Scene) -> None:
    await scene.storage.accounts.update_profile(scene.alice.id, ProfileChanges(exposed=False))

    await scene.run()

    assert scene.inboxes.received == [] and (await scene.row()).state is DeliveryState.FAILED


async def test_a_server_error_is_retried_later_with_jittered_backoff(scene: Scene) -> None:
    scene.inboxes.script = [answer(500)]
    policy = RetryPolicy()

    await scene.run()
    first = await scene.row()
    not_yet = await scene.run()
    scene.clock.to(first.next_attempt_at)
    await scene.run()

    assert first.state is DeliveryState.PENDING and first.attempts == 1 and first.last_status == 500
    assert first.last_error == "HTTP 500: status 500"
    delay = (first.next_attempt_at - first.created_at).total_seconds()
    assert policy.floor <= delay <= policy.floor + policy.ceiling(1)
    assert not_yet == 0
    done = await scene.row()
    assert done.state is DeliveryState.DONE and done.attempts == 2 and len(scene.inboxes.received) == 2


def test_backoff_grows_exponentially_within_full_jitter_bounds() -> None:
    policy = RetryPolicy(rng=random.Random(1))
    for attempts in range(1, 16):
        delays = [policy.delay(attempts) for _ in range(200)]
        ceiling = min(policy.cap, policy.base * 2 ** (attempts - 1))
        assert all(policy.floor <= d <= policy.floor + ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 2  # spread over the range, not a fixed step


@pytest.mark.parametrize("status", [401, 408, 502, 503])
async def test_transient_statuses_are_retried(scene: Scene, status: int) -> None:
    scene.inboxes.script = [answer(status)]

    await scene.run()

    row = await scene.row()
    assert row.state is DeliveryState.PENDING and row.last_status == status and row.next_attempt_at > scene.clock.now


async def test_retry_after_in_seconds_is_honoured(scene: Scene) -> None:
    scene.inboxes.script = [answer(429, **{"Retry-After": "120"})]

    await scene.run()

    row = await scene.row()
    assert row.state is DeliveryState.PENDING and row.last_status == 429
    assert row.next_attempt_at == scene.clock.now + timedelta(seconds=120)


async def test_retry_after_as_an_http_date_is_honoured(scene: Scene) -> None:
    when = scene.clock.now + timedelta(minutes=30)
    scene.inboxes.script = [answer(503, **{"Retry-After": format_datetime(when, usegmt=True)})]

    await scene.run()

    assert (await scene.row()).next_attempt_at == when


@pytest.mark.parametrize("status,state", [(404, DeliveryState.FAILED), (400, DeliveryState.FAILED), (410, DeliveryState.GONE)])
async def test_permanent_answers_end_the_delivery(scene: Scene, status: int, state: DeliveryState) -> None:
    scene.inboxes.script = [answer(status)]

    await scene.run()
    scene.clock.advance(days=1)
    await scene.run()

    row = await scene.row()
    assert row.state is state and row.last_status == status and row.attempts == 1 and len(scene.inboxes.received) == 1


async def test_a_timeout_is_retried(scene: Scene) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow inbox", request=request)

    scene.inboxes.script = [time_out]

    await scene.run()

    row = await scene.row()
    assert row.state is DeliveryState.PENDING and row.attempts == 1 and row.last_status is None
    assert row.last_error is not None and "timed out" in row.last_error


async def test_a_host_blocked_after_queueing_is_not_contacted(scene: Scene) -> None:
    await scene.run(policy=DomainPolicy(blocked=["social.example"]))

    row = await scene.row()
    assert scene.inboxes.received == [] and row.state is DeliveryState.FAILED
    assert row.last_error is not None and "BlockedDestination" in row.last_error


async def test_a_delivery_failing_for_two_days_expires(scene: Scene) -> None:
    scene.inboxes.answer = answer(503)
    row = await scene.row()
    while row.state is DeliveryState.PENDING:
        scene.clock.to(row.next_attempt_at)
        await scene.run()
        row = await scene.row()

    deadline = row.created_at + timedelta(days=2)
    assert row.state is DeliveryState.EXPIRED and row.finished_at is not None
    assert row.last_attempt_at is not None and deadline - timedelta(hours=6) <= row.last_attempt_at <= deadline
    assert row.attempts == len(scene.inboxes.received) and row.attempts >= 8


async def test_bad_rows_never_break_the_run(scene: Scene) -> None:
    unusable = NewAccount(AccountKind.EMPLOYEE, "broken", "Broken", scene.alice.public_key_pem, "not a key", exposed=True)
    broken = await scene.storage.accounts.create_local(unusable)
    broken_note = note_activity(broken, number=2)
    scene.published.urls.add(broken_note["object"]["id"])
    rows = [
        NewDelivery("https://insideout.example/a/garbage", None, scene.alice.id, INBOX, "social.example", b"{not json"),
        NewDelivery(broken_note["id"], None, broken.id, INBOX, "social.example", json.dumps(broken_note).encode()),
    ]
    await scene.storage.deliveries.enqueue(rows, scene.clock.now)

    handled = await scene.run()

    assert handled == 3 and len(scene.inboxes.received) == 1
    assert (await scene.row()).state is DeliveryState.DONE
    [garbage] = await scene.storage.deliveries.for_activity("https://insideout.example/a/garbage")
    assert garbage.state is DeliveryState.FAILED and "not JSON" in (garbage.last_error or "")
    [keyless] = await scene.storage.deliveries.for_activity(broken_note["id"])
    assert keyless.state is DeliveryState.PENDING and "key" in (keyless.last_error or "").lower()

