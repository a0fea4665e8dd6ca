"""Push subscriptions and the push delivery queue, on every backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from storage.protocols import Storage
from storage.push import NewPushSubscription, PushDeliveryState, PushDeliveryUpdate, PushPolicy
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Given:
    owner: int
    sender: int
    token: int
    notification: int


async def given(storage: Storage) -> Given:
    owner = await storage.accounts.create_local(new_account("alice"), new_user("alice@example.com"))
    sender = await storage.accounts.create_local(new_account("bob"), new_user("bob@example.com"))
    token = await storage.tokens.create_access_token("digest-a", owner.id, None, ["push"])
    notification = await storage.notifications.add(owner.id, sender.id, "mention", None)
    assert notification is not None
    return Given(owner.id, sender.id, token.id, notification.id)


def new_subscription(g: Given, endpoint: str = "https://push.example/1", token: int | None = None) -> NewPushSubscription:
    return NewPushSubscription(token or g.token, g.owner, endpoint, "p256dh", "auth", frozenset({"mention"}),
                               PushPolicy.ALL, standard=False)


async def test_a_token_has_one_subscription_replaced_on_subscribe(storage: Storage) -> None:
    g = await given(storage)
    first = await storage.push.subscribe(new_subscription(g), T0)
    second = await storage.push.subscribe(new_subscription(g, "https://push.example/2"), T0)
    assert first.id != second.id
    assert await storage.push.for_token(g.token) == second
    assert [s.endpoint for s in await storage.push.live_for_account(g.owner)] == ["https://push.example/2"]
    assert second.alerts == frozenset({"mention"}) and second.policy is PushPolicy.ALL


async def test_update_changes_only_what_is_given(storage: Storage) -> None:
    g = await given(storage)
    await storage.push.subscribe(new_subscription(g), T0)
    later = T0 + timedelta(hours=1)
    changed = await storage.push.update(g.token, None, PushPolicy.FOLLOWER, later)
    assert changed is not None and changed.alerts == frozenset({"mention"}) and changed.policy is PushPolicy.FOLLOWER
    assert changed.updated_at == later
    changed = await storage.push.update(g.token, frozenset(), None, later)
    assert changed is not None and changed.alerts == frozenset() and changed.policy is PushPolicy.FOLLOWER
    assert await storage.push.update(12345, None, PushPolicy.ALL, later) is None


async def test_a_revoked_token_or_disabled_user_is_not_live(storage: Storage) -> None:
    g = await given(storage)
    subscription = await storage.push.subscribe(new_subscription(g), T0)
    assert await storage.push.get_live(subscription.id) == subscription
    await storage.accounts.set_disabled(g.owner, True)
    assert await storage.push.get_live(subscription.id) is None
    await storage.accounts.set_disabled(g.owner, False)
    await storage.tokens.revoke_access_token("digest-a")
    assert await storage.push.get_live(subscription.id) is None
    assert await storage.push.live_for_account(g.owner) == []
    assert await storage.push.for_token(g.token) is not None  # kept, just silent


async def test_enqueue_claim_and_complete(storage: Storage) -> None:
    g = await given(storage)
    subscription = await storage.push.subscribe(new_subscription(g), T0)
    assert await storage.push.enqueue([subscription.id], g.notification, T0) == 1
    assert await storage.push.enqueue([subscription.id], g.notification, T0) == 0
    [row] = await storage.push.claim("w1", T0, T0 + LEASE, 10)
    assert row.state is PushDeliveryState.PENDING and row.attempts == 0
    assert await storage.push.claim("w2", T0, T0 + LEASE, 10) == []
    # Another worker cannot complete a row it does not hold
    retry = PushDeliveryUpdate(row.id, PushDeliveryState.PENDING, T0, next_attempt_at=T0 + timedelta(minutes=1),
                               last_status=503, last_error="HTTP 503")
    assert await storage.push.complete("w2", [retry]) == 0
    assert await storage.push.complete("w1", [retry]) == 1
    assert await storage.push.claim("w1", T0, T0 + LEASE, 10) == []
    [again] = await storage.push.claim("w1", T0 + timedelta(minutes=1), T0 + LEASE * 2, 10)
    assert again.attempts == 1 and again.last_status == 503
    done = PushDeliveryUpdate(again.id, PushDeliveryState.DONE, T0 + timedelta(minutes=1), last_status=201)
    assert await storage.push.complete("w1", [done]) == 1
    stored = await storage.push.get_delivery(row.id)
    assert stored is not None and stored.state is PushDeliveryState.DONE and stored.attempts == 2
    assert await storage.push.claim("w1", T0 + timedelta(days=1), T0 + timedelta(days=2), 10) == []


async def test_an_expired_lease_is_claimed_again(storage: Storage) -> None:
    g = await given(storage)
    subscription = await storage.push.subscribe(new_subscription(g), T0)
    await storage.push.enqueue([subscription.id], g.notification, T0)
    await storage.push.claim("crashed", T0, T0 + LEASE, 10)
    assert len(await storage.push.claim("w2", T0 + LEASE + timedelta(seconds=1), T0 + 2 * LEASE, 10)) == 1


async def test_deleting_a_subscription_forgets_its_queue(storage: Storage) -> None:
    g = await given(storage)
    subscription = await storage.push.subscribe(new_subscription(g), T0)
    await storage.push.enqueue([subscription.id], g.notification, T0)
    assert await storage.push.delete(subscription.id) is True
    assert await storage.push.deliveries_for(g.notification) == []
    assert await storage.push.delete(subscription.id) is False
    assert await storage.push.unsubscribe(g.token) is False
