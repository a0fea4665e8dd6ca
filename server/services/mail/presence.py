"""Whether a person is "away": when any app of theirs was last used.

``Presence.seen`` runs on every authenticated API request, stream check
(an open stream is re-checked every few seconds, so it keeps its person
seen for as long as it is open) and web-app page. It writes at most once
per ``every`` per account in this process: an in-memory throttle, then one
upsert. Because of that throttle a reader seen up to ``every`` before a
notification counts as seen after it too (``seen_since``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from storage.clock import utcnow
from storage.protocols import Storage

THROTTLE = timedelta(minutes=1)
# Enough for every active person of a large organisation; beyond it the oldest entries are dropped.
MAX_REMEMBERED = 100_000


class Presence:
    def __init__(
        self, storage: Storage, *, clock: Callable[[], datetime] = utcnow, every: timedelta = THROTTLE
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._every = every
        self._written: dict[int, datetime] = {}

    async def seen(self, account_id: int) -> None:
        now = self._clock()
        last = self._written.get(account_id)
        if last is not None and now - last < self._every:
            return
        if len(self._written) >= MAX_REMEMBERED:
            self._written.pop(next(iter(self._written)))
        self._written[account_id] = now
        await self._storage.mail.mark_seen(account_id, now)

    async def seen_since(self, account_id: int, moment: datetime) -> bool:
        """Whether any app of the person's was used after ``moment`` (within the throttle's slack)."""
        last = await self._storage.mail.last_seen(account_id)
        return last is not None and last >= moment - self._every
