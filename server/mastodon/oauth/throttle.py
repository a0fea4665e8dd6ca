"""In-process token buckets for sign-in attempts (per IP and per account).

A bucket holds ``capacity`` attempts and refills evenly over ``period``
seconds. Counters live in one process and die with it: they slow down
password guessing, correctness never depends on them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

MAX_KEYS: Final = 50_000


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    """Seconds until one more attempt is allowed (0 when allowed)."""

    def reset_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.retry_after)


class TokenBucket:
    def __init__(self, capacity: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self._rate = capacity / period
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, now: float) -> float:
        tokens, updated = self._buckets.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - updated) * self._rate)

    def peek(self, key: str) -> Verdict:
        """Whether an attempt would be allowed now, without spending one."""
        level = self._level(key, self._clock())
        if level >= 1:
            return Verdict(True, self.capacity, int(level), 0.0)
        return Verdict(False, self.capacity, 0, (1 - level) / self._rate)

    def spend(self, key: str) -> Verdict:
        """Spend one attempt if there is one."""
        now = self._clock()
        level = self._level(key, now)
        if level < 1:
            return Verdict(False, self.capacity, 0, (1 - level) / self._rate)
        if len(self._buckets) >= MAX_KEYS and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (level - 1, now)
        return Verdict(True, self.capacity, int(level - 1), 0.0)

    def _forget_full(self, now: float) -> None:
        # Buckets that have refilled carry no information; drop them to bound memory.
        for key in [k for k in self._buckets if self._level(k, now) >= self.capacity]:
            del self._buckets[key]


class SignInThrottle:
    """Every attempt spends from the caller's IP bucket; failures also from the account's.

    Counting only failures per account keeps a legitimate user from being
    locked out by their own successful sign-ins, while a guesser working
    on one account from many addresses is still slowed down.
    """

    def __init__(
        self,
        *,
        per_ip: int = 25,
        per_account: int = 10,
        period: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ip = TokenBucket(per_ip, period, clock)
        self.account = TokenBucket(per_account, period, clock)

    def attempt(self, ip: str, login: str) -> Verdict:
        """Refuse when either bucket is empty; otherwise spend one IP attempt."""
        account = self.account.peek(login.strip().lower())
        if not account.allowed:
            return account
        return self.ip.spend(ip)

    def failed(self, login: str) -> None:
        self.account.spend(login.strip().lower())


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
