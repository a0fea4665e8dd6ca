"""Fan-out: recipients become one inbox per server, and an activity becomes one row per inbox."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from activitypub.errors import InvalidInput
from federation.fanout import MAX_PAYLOAD_BYTES, enqueue, inboxes_for, plan_inboxes
from federation.guard import LeakPrevented
from federation.policy import DomainPolicy
from storage.protocols import Storage
from tests.federation.delivery_helpers import (
    T0,
    Published,
    guard_for,
    local_actor,
    note_activity,
    remote_actor,
    storage,
)

pytestmark = pytest.mark.anyio
__all__ = ["storage"]
OPEN = DomainPolicy()


def test_recipients_on_one_server_share_its_shared_inbox() -> None:
    alice, bob = remote_actor("alice", "social.example"), remote_actor("bob", "social.example")
    carol = remote_actor("carol", "gts.example", shared=False)

    planned = plan_inboxes([alice, bob, carol, alice], policy=OPEN)

    assert planned == ["https://social.example/inbox", "https://gts.example/users/carol/inbox"]


async def test_local_accounts_get_no_http_delivery(storage: Storage) -> None:
    local = await local_actor(storage, "dora")
    remote = remote_actor("erin", "social.example")

    assert plan_inboxes([local, remote], policy=OPEN) == ["https://social.example/inbox"]


def test_blocked_and_not_allowed_hosts_are_skipped() -> None:
    recipients = [
        remote_actor("a", "partner.example"),
        remote_actor("b", "sub.partner.example"),
        remote_actor("c", "stranger.example"),
        remote_actor("d", "bad.partner.example"),
    ]

    allowlist = DomainPolicy("allowlist", allowed=["partner.example"], blocked=["bad.partner.example"])
    blocklist = DomainPolicy("open", blocked=["stranger.example"])

    assert plan_inboxes(recipients, policy=allowlist) == ["https://partner.example/inbox", "https://sub.partner.example/inbox"]
    assert "https://stranger.example/inbox" not in plan_inboxes(recipients, policy=blocklist)


def test_actors_without_a_usable_inbox_are_skipped() -> None:
    broken = replace(remote_actor("x", "a.example", shared=False), inbox_url="ftp://a.example/inbox")
    missing = replace(remote_actor("y", "b.example", shared=False), inbox_url=None)

    assert plan_inboxes([broken, missing], policy=OPEN) == []


async def test_hosts_marked_unavailable_are_skipped(storage: Storage) -> None:
    await storage.deliveries.update_domains({"down.example": lambda health: replace(health, unavailable=True)})
    recipients = [remote_actor("a", "down.example"), remote_actor("b", "up.example")]

    assert await inboxes_for(storage, recipients, policy=OPEN) == ["https://up.example/inbox"]


async def test_enqueue_stores_the_compact_json_once_per_inbox(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice, bcc=["https://social.example/users/secret"])
    published.urls.add(activity["object"]["id"])
    inboxes = ["https://social.example/inbox", "https://gts.example/users/carol/inbox", "https://social.example/inbox"]

    queued = await enqueue(storage, activity, alice, inboxes, guard=guard_for(storage, published), clock=lambda: T0)
    again = await enqueue(storage, activity, alice, inboxes[:1], guard=guard_for(storage, published), clock=lambda: T0)

    assert (queued, again) == (2, 0)
    rows = await storage.deliveries.claim("t", T0, T0, limit=10, per_host_limit=10)
    expected = {key: value for key, value in activity.items() if key != "bcc"}
    assert {row.payload for row in rows} == {json.dumps(expected, separators=(",", ":")).encode()}
    assert {row.host for row in rows} == {"social.example", "gts.example"}
    assert all(row.actor_account_id == alice.id and row.activity_uri == activity["id"] for row in rows)


async def test_enqueue_records_the_object_so_later_activities_find_its_inboxes(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice)
    note = activity["object"]["id"]
    published.urls.add(note)

    await enqueue(storage, activity, alice, ["https://a.example/inbox"], guard=guard_for(storage, published), object_uri=note)

    assert await storage.deliveries.inboxes_for_object(note) == ["https://a.example/inbox"]


async def test_an_activity_over_64_kb_is_refused_and_nothing_is_queued(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice)
    activity["object"]["content"] = "x" * MAX_PAYLOAD_BYTES
    published.urls.add(activity["object"]["id"])

    with pytest.raises(InvalidInput):
        await enqueue(storage, activity, alice, ["https://a.example/inbox"], guard=guard_for(storage, published))

    assert await storage.deliveries.counts_by_host() == []


async def test_an_activity_without_id_or_with_a_bad_inbox_is_refused(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    published = Published()
    activity = note_activity(alice)
    published.urls.add(activity["object"]["id"])
    guard = guard_for(storage, published)

    with pytest.raises(InvalidInput):
        await enqueue(storage, {**activity, "id": None}, alice, ["https://a.example/inbox"], guard=guard)
    with pytest.raises(InvalidInput):
        await enqueue(storage, activity, alice, ["https://a.example/inbox", "mailto:x@a.example"], guard=guard)

    assert await storage.deliveries.counts_by_host() == []


async def test_the_guard_refusal_queues_nothing(storage: Storage) -> None:
    alice = await local_actor(storage, "alice")
    activity = note_activity(alice)  # the note was never published

    with pytest.raises(LeakPrevented):
        await enqueue(storage, activity, alice, ["https://a.example/inbox"], guard=guard_for(storage, Published()))

    assert await storage.deliveries.counts_by_host() == []
