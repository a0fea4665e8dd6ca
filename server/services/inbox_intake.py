"""What the inbox endpoints hand on once a request has passed its checks, and what the inbox worker is built from.

``server.activitypub.inbox`` checks the request (cheapest and least
revealing first) and asks ``InboxIntake`` the two questions that need the
records: is this an unknown actor announcing its own departure (answered
202 without a fetch), and store the verified activity once per id. The
handlers run later, in ``federation.inbox.InboxWorker``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from activitypub.errors import ConfigError
from activitypub.vocab import Activity
from federation import fanout
from federation.actors import RemoteActors
from federation.guard import DeliveryGuard
from federation.handlers import default_handlers
from federation.inbox import Deliver, InboxWorker, store_activity
from federation.policy import UrlPolicy
from server.config import Settings
from storage.models import Account, InboxItem
from storage.protocols import Storage


@dataclass(frozen=True)
class Inbound:
    """The remote actor resolver and the policy the inbox, authorized fetch and the inbox worker share."""

    actors: RemoteActors
    policy: UrlPolicy


class InboxIntake:
    def __init__(self, storage: Storage, inbound: Inbound | None) -> None:
        """``inbound`` is None without an outbound client (the CLI), which never receives."""
        self._storage = storage
        self._inbound = inbound

    @property
    def inbound(self) -> Inbound:
        if self._inbound is None:
            raise ConfigError(detail="the inbox needs an outbound client to resolve remote actors")
        return self._inbound

    async def is_unknown_actor_leaving(self, activity: Activity) -> bool:
        """A Delete/Update of itself by an actor we never knew (or already deleted): nothing to do."""
        if activity.type not in ("Delete", "Update") or activity.object_id != activity.actor:
            return False
        known = await self._storage.accounts.get_by_uri(activity.actor)
        return known is None or (activity.type == "Delete" and known.deleted_at is not None)

    async def store(
        self, activity: Activity, body: bytes, *, key_id: str | None, recipient_id: int | None
    ) -> InboxItem | None:
        """Queue a verified activity for the inbox worker; None when it was received before."""
        return await store_activity(self._storage, activity, body, key_id=key_id, recipient_id=recipient_id)


def inbox_worker(
    settings: Settings, storage: Storage, inbound: Inbound, *, deliver: Deliver | None = None
) -> InboxWorker:
    """The worker for ``create_app(workers=...)``; ``deliver`` queues Accepts (fanout + exposure guard)."""
    return InboxWorker(storage, default_handlers(), inbound.actors, base_url=settings.base_url, deliver=deliver)


def fanout_deliver(storage: Storage, guard: DeliveryGuard) -> Deliver:
    """Handlers' answers (Accept/Reject) go through the delivery queue and its exposure guard."""

    async def deliver(activity: dict[str, Any], actor: Account, inboxes: list[str]) -> int:
        return await fanout.enqueue(storage, activity, actor, inboxes, guard=guard)

    return deliver
