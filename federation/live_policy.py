"""The federation policy admins change at runtime, merged over the configured one.

The configuration file is the floor: a domain blocked there stays blocked,
a domain allowed there stays allowed (an admin can still block it: a block
beats an allow), and a configured ``allowlist`` mode cannot be opened up.
On top of it come the rules admins store in the database.

The database is the truth; ``LivePolicy`` keeps the merged ``DomainPolicy``
for at most ``ttl`` seconds, only for speed. The checks themselves are
synchronous (they run on every request and redirect hop), so each async
entry point (the outbound client, the sender, the inbox, authorized fetch)
first awaits ``refresh_if_stale``; an admin's change in this process calls
``refresh`` and takes effect at once, other processes see it within ``ttl``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from federation.policy import DomainPolicy, FederationMode
from storage.admin import FederationRules

DEFAULT_TTL = 5.0
Load = Callable[[], Awaitable[FederationRules]]


def merged(floor: DomainPolicy, rules: FederationRules) -> DomainPolicy:
    mode = "allowlist" if floor.mode == "allowlist" else (rules.mode or floor.mode)
    return DomainPolicy(mode, {*floor.allowed, *rules.allowed}, {*floor.blocked, *rules.blocked})


class LivePolicy:
    """A ``DomainPolicy`` whose rules come from the configuration plus the database."""

    def __init__(
        self, mode: str, allowed: Iterable[str], blocked: Iterable[str], load: Load, *,
        ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.floor = DomainPolicy(mode, allowed, blocked)
        self._current = self.floor
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._loaded_at: float | None = None

    @property
    def current(self) -> DomainPolicy:
        return self._current

    @property
    def mode(self) -> FederationMode:
        return self._current.mode

    async def refresh(self) -> DomainPolicy:
        """Read the rules now; call after changing them."""
        self._current = merged(self.floor, await self._load())
        self._loaded_at = self._clock()
        return self._current

    async def refresh_if_stale(self) -> DomainPolicy:
        if self._loaded_at is None or self._clock() - self._loaded_at >= self._ttl:
            return await self.refresh()
        return self._current

    def is_blocked(self, host: str) -> bool:
        return self._current.is_blocked(host)

    def is_allowed(self, host: str) -> bool:
        return self._current.is_allowed(host)

    def is_allowed_url(self, url: str) -> bool:
        return self._current.is_allowed_url(url)

    def __repr__(self) -> str:
        return f"LivePolicy({self._current!r})"


async def refresh_if_stale(policy: object) -> None:
    """Bring a live policy up to date before a synchronous check; other policies are fixed."""
    if isinstance(policy, LivePolicy):
        await policy.refresh_if_stale()
