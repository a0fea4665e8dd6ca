"""Web Push subscriptions and the queue of pushes waiting to go out.

A subscription belongs to one access token (as in Mastodon): a new one for
the same token replaces the old, and revoking the token silences it. A push
delivery is one notification for one subscription. Its states::

    pending ──► done        the push service accepted it (2xx)
       │  ├───► failed      a permanent refusal (4xx, blocked destination, nothing left to send)
       │  ├───► gone        404/410: the subscription is gone; it is deleted with its rows
       │  └───► expired     still failing when the retry window closed
       └──(retry)──► pending with a later next_attempt_at
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

ALERT_TYPES = (
    "mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
    "admin.sign_up", "admin.report",
)  # fmt: skip


class PushPolicy(StrEnum):
    """Whose notifications are pushed: everyone's, accounts I follow, my followers, or nobody's."""

    ALL = "all"
    FOLLOWED = "followed"
    FOLLOWER = "follower"
    NONE = "none"


class PushDeliveryState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    GONE = "gone"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class NewPushSubscription:
    access_token_id: int
    account_id: int
    endpoint: str
    p256dh: str
    auth: str
    alerts: frozenset[str]
    policy: PushPolicy
    standard: bool


@dataclass(frozen=True, slots=True)
class PushSubscription:
    id: int
    access_token_id: int
    account_id: int
    endpoint: str
    p256dh: str
    auth: str
    alerts: frozenset[str]
    """The enabled alert types; every other type is off."""
    policy: PushPolicy
    standard: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PushDelivery:
    id: int
    subscription_id: int
    notification_id: int
    state: PushDeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PushDeliveryUpdate:
    """What a worker decided about one claimed row; ``attempted`` False puts it back without counting."""

    id: int
    state: PushDeliveryState
    at: datetime
    attempted: bool = True
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


class PushStore(Protocol):
    async def subscribe(self, new: NewPushSubscription, now: datetime) -> PushSubscription:
        """Create the token's subscription, replacing (and forgetting the queue of) any earlier one."""
        ...

    async def for_token(self, access_token_id: int) -> PushSubscription | None: ...

    async def update(
        self, access_token_id: int, alerts: frozenset[str] | None, policy: PushPolicy | None, now: datetime
    ) -> PushSubscription | None:
        """Change alerts and/or policy (None keeps the value); None without a subscription."""
        ...

    async def unsubscribe(self, access_token_id: int) -> bool: ...

    async def delete(self, subscription_id: int) -> bool: ...

    async def get_live(self, subscription_id: int) -> PushSubscription | None:
        """The subscription, unless it is gone or its token was revoked."""
        ...

    async def live_for_account(self, account_id: int) -> Sequence[PushSubscription]:
        """The account's subscriptions whose tokens are not revoked."""
        ...

    async def live_for_accounts(self, account_ids: Sequence[int]) -> Sequence[PushSubscription]:
        """``live_for_account`` for many accounts in one query (a notification to a large audience)."""
        ...

    async def enqueue(self, subscription_ids: Sequence[int], notification_id: int, now: datetime) -> int:
        """Queue one push per subscription, due now; a pair already queued is skipped. Returns rows added."""
        ...

    async def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int) -> Sequence[PushDelivery]:
        """Lock up to ``limit`` due pending rows (rows of an expired lease come back)."""
        ...

    async def complete(self, worker_id: str, updates: Sequence[PushDeliveryUpdate]) -> int:
        """Record outcomes and unlock; rows no longer locked by ``worker_id`` (or deleted) are skipped."""
        ...

    async def get_delivery(self, delivery_id: int) -> PushDelivery | None: ...

    async def deliveries_for(self, notification_id: int) -> Sequence[PushDelivery]: ...
