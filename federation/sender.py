"""Send an activity from a local actor to remote accounts: plan inboxes, guard, queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from federation.fanout import enqueue, inbox_host, inboxes_for
from federation.guard import DeliveryGuard
from federation.http import HostPolicy
from federation.live_policy import refresh_if_stale
from storage.models import Account
from storage.protocols import Storage


class Sender:
    def __init__(self, storage: Storage, guard: DeliveryGuard, policy: HostPolicy) -> None:
        self._storage = storage
        self._guard = guard
        self._policy = policy

    async def send(
        self, activity: dict[str, Any], actor: Account, recipients: Iterable[Account], *,
        object_uri: str | None = None, extra_inboxes: Sequence[str] = (),
    ) -> int:
        """Queue ``activity`` for every recipient's inbox (shared inboxes once) plus ``extra_inboxes``."""
        await refresh_if_stale(self._policy)
        inboxes = await inboxes_for(self._storage, recipients, policy=self._policy)
        wanted = list(dict.fromkeys([*inboxes, *(i for i in extra_inboxes if self._allowed(i))]))
        if not wanted:
            return 0
        return await enqueue(self._storage, activity, actor, wanted, guard=self._guard, object_uri=object_uri)

    def _allowed(self, inbox: str) -> bool:
        host = inbox_host(inbox)
        return host is not None and self._policy.is_allowed(host)

    async def followers_of(self, account_ids: Sequence[int]) -> Sequence[Account]:
        return await self._storage.follows.remote_followers(account_ids)
