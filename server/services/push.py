"""Web Push: choose which subscriptions hear of a notification, then send through the worker.

``PushDispatcher`` runs where a notification is created (``Distribution``)
and only queues rows: which subscriptions of the recipient have that alert
on and a policy that lets the sender through. ``PushWorker`` drains the
rows: it builds the payload when it sends (a dismissed notification sends
nothing), encrypts it for the subscription (RFC 8291), signs with the
instance's VAPID key (RFC 8292) and POSTs through the one outbound client.
Push services are not federation peers, so the domain policy does not
apply to them, but the SSRF guard does. 404 and 410 mean the subscription
is gone for good and it is deleted, as Mastodon does; 429 and 5xx retry
with backoff. A subscription reads with its token's eyes, asked at send time:
a token acting as an organisation for a human who is not an admin hears
nothing of the identity's mail that is not the human's own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from activitypub.errors import BlockedDestination
from federation.backoff import RetryPolicy
from federation.http import OutboundClient
from federation.outcomes import Outcome, classify_exception, classify_response
from server.config import Settings
from server.push import build_push_request
from server.services.identities import reader_for_token
from server.services.push_payload import push_payload
from server.services.vapid_key import instance_vapid_keypair
from storage.clock import utcnow
from storage.models import Account, FollowState, Notification
from storage.protocols import Storage
from storage.push import PushDelivery, PushDeliveryState, PushDeliveryUpdate, PushPolicy, PushSubscription

log = logging.getLogger(__name__)

ERROR_CHARS = 500
# The sender's avatar as the client API shows it, for the notification's icon; the edge that owns
# that shape (the Mastodon presenter) is handed in, so the service never imports it.
SenderIcon = Callable[[Account], Awaitable[str]]


class PushDispatcher:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def notification_created(self, notification: Notification) -> int:
        """Queue a push to each subscription that wants this notification; returns how many."""
        subscriptions = await self._storage.push.live_for_account(notification.account_id)
        wanted = [s.id for s in subscriptions if notification.type in s.alerts and await self._admits(s, notification)]
        return await self._storage.push.enqueue(wanted, notification.id, utcnow())

    async def notifications_created(self, notifications: Sequence[Notification]) -> int:
        """``notification_created`` for many at once: one query finds every recipient's subscriptions."""
        subscriptions = await self._storage.push.live_for_accounts(sorted({n.account_id for n in notifications}))
        by_account: dict[int, list[PushSubscription]] = {}
        for subscription in subscriptions:
            by_account.setdefault(subscription.account_id, []).append(subscription)
        queued = 0
        for notification in notifications:
            wanted = [s.id for s in by_account.get(notification.account_id, ())
                      if notification.type in s.alerts and await self._admits(s, notification)]
            if wanted:
                queued += await self._storage.push.enqueue(wanted, notification.id, utcnow())
        return queued

    async def _admits(self, subscription: PushSubscription, notification: Notification) -> bool:
        owner, sender = notification.account_id, notification.from_account_id
        if subscription.policy is PushPolicy.ALL:
            return True
        if subscription.policy is PushPolicy.FOLLOWED:
            return await self._follows(owner, sender)
        if subscription.policy is PushPolicy.FOLLOWER:
            return await self._follows(sender, owner)
        return False

    async def _follows(self, account_id: int, target_id: int) -> bool:
        follow = await self._storage.follows.get(account_id, target_id)
        return follow is not None and follow.state is FollowState.ACCEPTED


@dataclass(frozen=True)
class PushOptions:
    include_content: bool
    contact: str
    """The VAPID ``sub``: how a push service reaches the operator."""


def push_options(settings: Settings) -> PushOptions:
    return PushOptions(settings.push.include_content, f"mailto:{settings.organization.admin_email}")


class PushWorker:
    """Implements ``server.workers.Worker`` for the ``push_deliveries`` rows."""

    name = "push"

    def __init__(
        self,
        storage: Storage,
        http: OutboundClient,
        icon: SenderIcon,
        options: PushOptions,
        *,
        worker_id: str = "push",
        batch: int = 64,
        lease: timedelta = timedelta(minutes=2),
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        idle_seconds: float = 1.0,
    ) -> None:
        self._storage = storage
        self._http = http
        self._icon = icon
        self._options = options
        self.worker_id = worker_id
        self._batch = batch
        self._lease = lease
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        rows = await self._storage.push.claim(self.worker_id, now, now + self._lease, self._batch)
        updates = []
        for row in rows:
            try:
                updates.append(await self._deliver(row))
            except Exception as exc:  # one bad row costs a retry, never the batch
                log.exception("push delivery %s failed unexpectedly", row.id)
                updates.append(self._after(row, Outcome("retry", error=f"{type(exc).__name__}: {exc}")))
        await self._storage.push.complete(self.worker_id, updates)
        return len(rows)

    async def _deliver(self, row: PushDelivery) -> PushDeliveryUpdate:
        subscription = await self._storage.push.get_live(row.subscription_id)
        if subscription is None:
            return self._final(row, PushDeliveryState.FAILED, "subscription gone or token revoked")
        body = await self._payload(subscription, row.notification_id)
        if body is None:
            return self._final(row, PushDeliveryState.FAILED, "notification gone, or not for this token to read")
        outcome = await self._post(subscription, body)
        if outcome.kind == "gone" or outcome.status == 404:
            await self._storage.push.delete(subscription.id)
            return self._final(row, PushDeliveryState.GONE, outcome.error, outcome.status)
        return self._after(row, outcome)

    async def _payload(self, subscription: PushSubscription, notification_id: int) -> bytes | None:
        token = await self._storage.tokens.access_token_by_id(subscription.access_token_id)
        reader = await reader_for_token(self._storage, token) if token is not None else None
        if reader is None or reader.account_id != subscription.account_id:
            return None
        notification = await self._storage.notifications.get(reader, notification_id)
        if notification is None:
            return None
        sender = await self._storage.accounts.get(notification.from_account_id)
        if sender is None:
            return None
        status = await self._storage.statuses.get(notification.status_id) if notification.status_id else None
        if status is not None and status.deleted_at is not None:
            return None
        icon = await self._icon(sender)
        payload = push_payload(notification, sender, status, icon, include_content=self._options.include_content)
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")

    async def _post(self, subscription: PushSubscription, body: bytes) -> Outcome:
        keypair = await instance_vapid_keypair(self._storage)
        headers, content = build_push_request(
            subscription.endpoint, subscription.p256dh, subscription.auth, body, keypair, self._options.contact
        )
        try:
            result = await self._http.post(subscription.endpoint, content, headers, exempt_from_federation_policy=True)
        except BlockedDestination as exc:
            return Outcome("permanent", error=f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            return classify_exception(exc)
        outcome = classify_response(result.status, result.headers, now=self._clock())
        if result.status == 401:  # a push service refusing our VAPID signature will not change its mind
            outcome = Outcome("permanent", status=401, error="HTTP 401")
        if outcome.kind == "ok":
            return outcome
        return Outcome(outcome.kind, outcome.retry_after, outcome.status, f"{outcome.error}: {result.body_text}")

    def _after(self, row: PushDelivery, outcome: Outcome) -> PushDeliveryUpdate:
        now = self._clock()
        error = outcome.error[:ERROR_CHARS] or None
        if outcome.kind == "ok":
            return PushDeliveryUpdate(row.id, PushDeliveryState.DONE, now, last_status=outcome.status)
        if outcome.kind != "retry":
            return PushDeliveryUpdate(row.id, PushDeliveryState.FAILED, now, last_status=outcome.status, last_error=error)
        next_at = self._retry.next_attempt(row.created_at, row.attempts + 1, now, outcome.retry_after)
        state = PushDeliveryState.EXPIRED if next_at is None else PushDeliveryState.PENDING
        return PushDeliveryUpdate(row.id, state, now, next_attempt_at=next_at, last_status=outcome.status,
                                  last_error=error)

    def _final(
        self, row: PushDelivery, state: PushDeliveryState, error: str, status: int | None = None
    ) -> PushDeliveryUpdate:
        return PushDeliveryUpdate(row.id, state, self._clock(), last_status=status, last_error=error[:ERROR_CHARS])


def build_push_worker(
    settings: Settings, storage: Storage, http: OutboundClient, icon: SenderIcon, *, worker_id: str = "push",
    idle_seconds: float = 1.0,
) -> PushWorker:
    """The worker for ``create_app(workers=...)``: the app's outbound client, its presenter's ``avatar_static``."""
    return PushWorker(storage, http, icon, push_options(settings), worker_id=worker_id, idle_seconds=idle_seconds)
