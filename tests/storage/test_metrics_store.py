"""Conformance: the work tables' depths, recent delivery outcomes and inbox lag, read at scrape time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.deliveries import DeliveryState, DeliveryUpdate, NewDelivery
from storage.inbound import NewInboxItem
from storage.media import NewScheduledStatus
from storage.metrics import Outcome, Queue, QueueDepth, StatusClass, WorkMetrics
from storage.models import NewStatus, Visibility
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio

WINDOW = timedelta(hours=1)
LEASE = timedelta(minutes=5)


def depth(reading: WorkMetrics, queue: Queue) -> QueueDepth:
    [found] = [d for d in reading.queues if d.queue is queue]
    return found


def outcomes(reading: WorkMetrics, queue: Queue = Queue.DELIVERIES) -> dict[tuple[Outcome, StatusClass], int]:
    return {(o.outcome, o.last_status): o.count for o in reading.outcomes if o.queue is queue}


def delivery(actor: int, host: str) -> NewDelivery:
    return NewDelivery("https://local.example/a/1", None, actor, f"https://{host}/inbox", host, b'{"id":"x"}')


async def test_an_empty_database_reports_every_queue_empty(storage: Storage) -> None:
    now = utcnow()

    reading = await storage.metrics.work_metrics(now, WINDOW)

    assert {d.queue for d in reading.queues} == set(Queue)
    assert all((d.pending, d.due, d.retrying, d.oldest_due_at) == (0, 0, 0, None) for d in reading.queues)
    assert reading.outcomes == [] and reading.inbox_lag_seconds == 0.0
    assert reading.measured_at == now and reading.outcome_window == WINDOW


async def test_deliveries_are_pending_due_and_retrying_until_they_finish_by_class(storage: Storage) -> None:
    actor = (await storage.accounts.create_local(new_account("alice"))).id
    now = utcnow()
    hosts = ["ok.example", "busy.example", "down.example", "gone.example", "refused.example"]
    await storage.deliveries.enqueue([delivery(actor, host) for host in hosts], now)
    await storage.deliveries.enqueue([delivery(actor, "later.example")], now + timedelta(hours=1))

    before = await storage.metrics.work_metrics(now + timedelta(seconds=10), WINDOW)

    queued = depth(before, Queue.DELIVERIES)
    assert (queued.pending, queued.due, queued.retrying, queued.oldest_due_at) == (6, 5, 0, now)
    assert before.lag_seconds(queued) == 10.0
    assert outcomes(before) == {(Outcome.QUEUED, StatusClass.NONE): 6}

    claimed = {row.host: row.id for row in await storage.deliveries.claim("w1", now, now + LEASE, 10, 10)}
    retry_at = now + timedelta(minutes=30)
    await storage.deliveries.complete("w1", [
        DeliveryUpdate(claimed["ok.example"], DeliveryState.DONE, now, True, last_status=202),
        DeliveryUpdate(claimed["busy.example"], DeliveryState.PENDING, now, True, retry_at, 503, "HTTP 503"),
        DeliveryUpdate(claimed["down.example"], DeliveryState.PENDING, now, True, retry_at, None, "ConnectError"),
        DeliveryUpdate(claimed["gone.example"], DeliveryState.GONE, now, True, last_status=410, last_error="HTTP 410"),
        DeliveryUpdate(claimed["refused.example"], DeliveryState.FAILED, now, False, last_error="guard: internal"),
    ])
    after = await storage.metrics.work_metrics(now + timedelta(seconds=10), WINDOW)

    waiting = depth(after, Queue.DELIVERIES)
    assert (waiting.pending, waiting.due, waiting.retrying, waiting.oldest_due_at) == (3, 0, 2, retry_at)
    assert after.lag_seconds(waiting) == 0.0
    assert outcomes(after) == {
        (Outcome.DELIVERED, StatusClass.OK): 1,
        (Outcome.RETRYING, StatusClass.SERVER_ERROR): 1,
        (Outcome.RETRYING, StatusClass.NETWORK): 1,
        (Outcome.FAILED, StatusClass.CLIENT_ERROR): 1,
        (Outcome.FAILED, StatusClass.NONE): 1,
        (Outcome.QUEUED, StatusClass.NONE): 1,
    }


async def test_outcomes_only_cover_deliveries_created_within_the_window(storage: Storage) -> None:
    actor = (await storage.accounts.create_local(new_account("alice"))).id
    now = utcnow()
    await storage.deliveries.enqueue([delivery(actor, "a.example")], now)

    later = await storage.metrics.work_metrics(now + WINDOW + timedelta(minutes=1), WINDOW)

    assert outcomes(later) == {} and depth(later, Queue.DELIVERIES).pending == 1


async def test_inbox_lag_is_the_age_of_the_oldest_activity_not_handled_yet(storage: Storage) -> None:
    def item(number: int) -> NewInboxItem:
        return NewInboxItem(f"https://remote.example/activities/{number}", "Create", "https://remote.example/users/bob", "{}")

    first = await storage.inbox.add(item(1))
    second = await storage.inbox.add(item(2))
    assert first is not None and second is not None
    await storage.inbox.mark_done(first.id)
    now = second.received_at + timedelta(minutes=5)

    reading = await storage.metrics.work_metrics(now, WINDOW)

    assert reading.oldest_pending_inbox_at == second.received_at and reading.inbox_lag_seconds == 300.0
    inbox = depth(reading, Queue.INBOX)
    assert (inbox.pending, inbox.due, inbox.retrying) == (1, 1, 0)


async def test_media_card_and_scheduled_queues_are_counted(storage: Storage) -> None:
    author = await storage.accounts.create_local(new_account("alice"))
    status = await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="https://news.example/x"))
    now = utcnow()
    await storage.remote_files.register_images({"https://cdn.example/a.png": ("t" * 32, "cdn.example")})
    await storage.cards.enqueue(status.id, "https://news.example/x", now)
    await storage.scheduled.create(NewScheduledStatus(author.id, now - timedelta(minutes=1), {"status": "due"}))
    await storage.scheduled.create(NewScheduledStatus(author.id, now + timedelta(days=1), {"status": "later"}))

    reading = await storage.metrics.work_metrics(now + timedelta(seconds=1), WINDOW)

    counts = {d.queue: (d.pending, d.due) for d in reading.queues}
    assert counts[Queue.REMOTE_MEDIA] == (1, 1) and counts[Queue.CARDS] == (1, 1)
    assert counts[Queue.SCHEDULED_STATUSES] == (2, 1)
    assert reading.lag_seconds(depth(reading, Queue.SCHEDULED_STATUSES)) == 61.0

