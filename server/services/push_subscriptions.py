"""Web Push subscriptions: one per access token, as in Mastodon.

The edge (server/mastodon/push.py) checks the endpoint and the keys before
anything is stored; here the token's subscription is made, changed and
dropped. Subscribing again replaces the token's earlier subscription.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from activitypub.errors import NotFound
from storage.clock import utcnow
from storage.protocols import Storage
from storage.push import NewPushSubscription, PushPolicy, PushSubscription


class PushSubscriptions:
    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._clock = clock

    async def subscribe(self, new: NewPushSubscription) -> PushSubscription:
        return await self._storage.push.subscribe(new, self._clock())

    async def of_token(self, access_token_id: int) -> PushSubscription | None:
        return await self._storage.push.for_token(access_token_id)

    async def update(
        self, access_token_id: int, alerts: frozenset[str] | None, policy: PushPolicy | None,
    ) -> PushSubscription | None:
        """Change alerts and/or policy (None keeps the value); None without a subscription."""
        return await self._storage.push.update(access_token_id, alerts, policy, self._clock())

    async def unsubscribe(self, access_token_id: int) -> None:
        await self._storage.push.unsubscribe(access_token_id)

    async def of_account(self, account_id: int) -> Sequence[PushSubscription]:
        """The account's subscriptions whose tokens are live (the settings page shows their alerts)."""
        return await self._storage.push.live_for_account(account_id)

    async def update_own(
        self, account_id: int, subscription_id: int, alerts: frozenset[str], policy: PushPolicy,
    ) -> PushSubscription:
        """Change the alerts and policy of one of the account's live subscriptions; anyone else's is not found."""
        mine = {s.id: s for s in await self.of_account(account_id)}
        subscription = mine.get(subscription_id)
        if subscription is None:
            raise NotFound()
        updated = await self.update(subscription.access_token_id, alerts, policy)
        if updated is None:  # unsubscribed a moment ago
            raise NotFound()
        return updated
