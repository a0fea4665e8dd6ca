"""Deliveries and delivery domains: the rows the delivery worker drains, on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from storage.deliveries import DeliveryState, DeliveryUpdate, DomainHealth, NewDelivery
from storage.protocols import Storage
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


async def actor_id(storage: Storage) -> int:
    return (await storage.accounts.create_local(new_account("alice"))).id


def row(actor: int, inbox: str, activity: str = "https://local.example/a/1", obj: str | None = None) -> NewDelivery:
    host = inbox.split("/")[2]
    return NewDelivery(activity, obj, actor, inbox, host, b'{"id":"x"}')


async def test_enqueue_skips_an_activity_already_queued_for_the_same_inbox(storage: Storage) -> None:
    actor = await actor_id(storage)
    first = await storage.deliveries.enqueue([row(actor, "https://a.example/inbox"), row(actor, "https://b.example/inbox")], T0)

    again = await storage.deliveries.enqueue([row(actor, "https://a.example/inbox"), row(actor, "https://c.example/inbox")], T0)

    assert (first, again) == (2, 1)
    claimed = await storage.deliveries.claim("w1", T0, T0 + LEASE, limit=10, per_host_limit=10)
    assert sorted(d.host for d in claimed) == ["a.example", "b.example", "c.example"]
    delivery = next(d for d in claimed if d.host == "a.example")
    assert delivery.state is DeliveryState.PENDING and delivery.attempts == 0 and delivery.payload == b'{"id":"x"}'
    assert delivery.created_at == T0 and delivery.next_attempt_at == T0 and delivery.locked_by == "w1"


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_passes(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0)

    first = await storage.deliveries.claim("w1", T0, T0 + LEASE, limit=10, per_host_limit=10)
    during = await storage.deliveries.claim("w2", T0 + timedelta(minutes=1), T0 + LEASE, limit=10, per_host_limit=10)
    after = await storage.deliveries.claim("w2", T0 + LEASE + timedelta(seconds=1), T0 + 2 * LEASE, 10, 10)

    assert len(first) == 1 and during == [] and [d.id for d in after] == [first[0].id]
    assert after[0].locked_by == "w2"


async def test_rows_not_yet_due_are_not_claimed(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0 + timedelta(hours=1))

    assert await storage.deliveries.claim("w1", T0, T0 + LEASE, limit=10, per_host_limit=10) == []


async def test_a_claim_takes_at_most_per_host_limit_rows_of_one_host(storage: Storage) -> None:
    actor = await actor_id(storage)
    busy = [row(actor, f"https://busy.example/users/{n}/inbox") for n in range(5)]
    await storage.deliveries.enqueue([*busy, row(actor, "https://quiet.example/inbox")], T0)

    claimed = await storage.deliveries.claim("w1", T0, T0 + LEASE, limit=10, per_host_limit=2)

    assert sorted(d.host for d in claimed) == ["busy.example", "busy.example", "quiet.example"]


async def test_complete_records_the_outcome_and_unlocks(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0)
    [claimed] = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)
    later = T0 + timedelta(minutes=2)

    retry = DeliveryUpdate(claimed.id, DeliveryState.PENDING, T0, True, later, 503, "HTTP 503: busy")
    assert await storage.deliveries.complete("w1", [retry]) == 1

    stored = await storage.deliveries.get(claimed.id)
    assert stored is not None and stored.state is DeliveryState.PENDING and stored.attempts == 1
    assert (stored.next_attempt_at, stored.last_status, stored.last_error) == (later, 503, "HTTP 503: busy")
    assert stored.last_attempt_at == T0 and stored.locked_by is None and stored.locked_until is None
    assert stored.finished_at is None


async def test_a_row_put_back_unsent_keeps_its_last_answer(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0)
    [claimed] = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)
    await storage.deliveries.complete("w1", [DeliveryUpdate(claimed.id, DeliveryState.PENDING, T0, True, T0, 500, "e")])
    [again] = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)

    later = T0 + timedelta(hours=1)
    await storage.deliveries.complete("w1", [DeliveryUpdate(again.id, DeliveryState.PENDING, later, False, later)])

    stored = await storage.deliveries.get(claimed.id)
    assert stored is not None and stored.attempts == 1 and stored.last_status == 500 and stored.last_error == "e"
    assert stored.next_attempt_at == later and stored.last_attempt_at == T0


async def test_complete_ignores_rows_another_worker_holds(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0)
    [stale] = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)
    await storage.deliveries.claim("w2", T0 + 2 * LEASE, T0 + 3 * LEASE, 10, 10)

    done = DeliveryUpdate(stale.id, DeliveryState.DONE, T0 + LEASE, True, last_status=202)
    assert await storage.deliveries.complete("w1", [done]) == 0

    stored = await storage.deliveries.get(stale.id)
    assert stored is not None and stored.state is DeliveryState.PENDING and stored.locked_by == "w2"


async def test_final_states_are_stamped_and_never_claimed_again(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue([row(actor, "https://a.example/inbox")], T0)
    [claimed] = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)

    await storage.deliveries.complete("w1", [DeliveryUpdate(claimed.id, DeliveryState.GONE, T0, True, None, 410, "HTTP 410")])

    stored = await storage.deliveries.get(claimed.id)
    assert stored is not None and stored.state is DeliveryState.GONE and stored.finished_at == T0
    assert await storage.deliveries.claim("w1", T0 + timedelta(days=1), T0 + timedelta(days=2), 10, 10) == []


async def test_inboxes_for_object_lists_inboxes_that_got_or_are_getting_it(storage: Storage) -> None:
    actor = await actor_id(storage)
    note = "https://local.example/users/alice/statuses/1"
    rows = [row(actor, f"https://{host}/inbox", obj=note) for host in ("a.example", "b.example", "c.example")]
    await storage.deliveries.enqueue([*rows, row(actor, "https://d.example/inbox", activity="https://local.example/a/2")], T0)
    claimed = {d.host: d for d in await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)}
    await storage.deliveries.complete(
        "w1",
        [
            DeliveryUpdate(claimed["a.example"].id, DeliveryState.DONE, T0, True, last_status=202),
            DeliveryUpdate(claimed["b.example"].id, DeliveryState.FAILED, T0, True, last_status=404),
        ],
    )

    assert await storage.deliveries.inboxes_for_object(note) == ["https://a.example/inbox", "https://c.example/inbox"]
    assert await storage.deliveries.inboxes_for_object("https://local.example/other") == []


async def test_update_domains_is_a_read_modify_write_per_host(storage: Storage) -> None:
    def fail(health: DomainHealth) -> DomainHealth:
        return replace(health, consecutive_failures=health.consecutive_failures + 1, last_failure_at=T0)

    await storage.deliveries.update_domains({"a.example": fail, "b.example": fail})
    updated = await storage.deliveries.update_domains({"a.example": lambda h: replace(fail(h), unavailable=True)})

    assert updated["a.example"].consecutive_failures == 2 and updated["a.example"].unavailable
    stored = await storage.deliveries.domains(["a.example", "b.example", "never.example"])
    assert set(stored) == {"a.example", "b.example"} and stored["b.example"].last_failure_at == T0
    assert await storage.deliveries.unavailable_hosts(["a.example", "b.example", "c.example"]) == {"a.example"}
    assert [d.host for d in await storage.deliveries.list_domains(unavailable_only=True)] == ["a.example"]
    assert [d.host for d in await storage.deliveries.list_domains()] == ["a.example", "b.example"]


async def test_counts_by_host_tallies_states_busiest_first(storage: Storage) -> None:
    actor = await actor_id(storage)
    await storage.deliveries.enqueue(
        [row(actor, "https://a.example/inbox", activity=f"https://local.example/a/{n}") for n in range(3)]
        + [row(actor, "https://b.example/inbox")],
        T0,
    )
    claimed = await storage.deliveries.claim("w1", T0, T0 + LEASE, 10, 10)
    b_row = next(d for d in claimed if d.host == "b.example")
    await storage.deliveries.complete("w1", [DeliveryUpdate(b_row.id, DeliveryState.DONE, T0, True, last_status=202)])

    counts = await storage.deliveries.counts_by_host()

    assert [(c.host, c.pending, c.done, c.failed) for c in counts] == [("a.example", 3, 0, 0), ("b.example", 0, 1, 0)]
