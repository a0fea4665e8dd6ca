"""Sign-in throttling: token buckets per IP and per account, kept in the database.

Several server processes serve one instance behind a load balancer; buckets
in process memory would give a password guesser one budget per process.
The buckets are rows of ``storage.throttle`` instead, spent atomically, so
all processes draw from the same budget (see storage/throttle.py).

An account's bucket is keyed on the account, not on the string typed: the
caller resolves the login first (server/signin/logins.py), so every
spelling of one person spends from one budget. A login naming no account
is keyed on its folded spelling, hashed.

A bucket holds ``capacity`` attempts and refills evenly over ``period``
seconds. The clock is wall time (epoch seconds), the one all processes share.

It serves the OAuth and the admin sign-in forms alike, and the app state
holds one (server/state.py), so it sits below both edges.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.throttle import BucketRule, Spent, ThrottleStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: float
    """Seconds until one more attempt is allowed (0 when allowed)."""

    def reset_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.retry_after)


def _verdict(rule: BucketRule, spent: Spent) -> Verdict:
    if spent.allowed:
        return Verdict(True, rule.capacity, int(spent.tokens), 0.0)
    return Verdict(False, rule.capacity, 0, max(0.0, 1 - spent.tokens) / rule.rate)


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def account_key(account_id: int) -> str:
    return f"account:{account_id}"


def unknown_login_key(folded: str) -> str:
    # Hashed: a password typed into the login field must not sit in the database in clear.
    return "login:" + hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()


class SignInThrottle:
    """Every attempt spends from the caller's IP bucket; failures also from the account's.

    Counting only failures per account keeps a legitimate user from being
    locked out by their own successful sign-ins, while a guesser working
    on one account from many addresses is still slowed down.

    The throttle itself holds only its rules, its clock and when it last
    swept; the buckets are in the storage handed to each call.
    """

    def __init__(
        self,
        *,
        per_ip: int = 25,
        per_account: int = 10,
        period: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ip = BucketRule(per_ip, period)
        self.account = BucketRule(per_account, period)
        self._period = period
        self._clock = clock
        self._next_sweep: float | None = None

    async def attempt(self, buckets: ThrottleStore, ip: str, account: str) -> Verdict:
        """Refuse when either bucket is empty; otherwise spend one IP attempt.

        ``account`` is the account bucket's key: ``account_key`` or ``unknown_login_key``.
        """
        now = self._clock()
        await self._sweep(buckets, now)
        level = await buckets.level(account, self.account, now)
        if level < 1:
            return _verdict(self.account, Spent(False, level))
        return _verdict(self.ip, await buckets.spend(ip_key(ip), self.ip, now))

    async def failed(self, buckets: ThrottleStore, account: str) -> Verdict:
        """Spend one of the account's attempts for a wrong password."""
        return _verdict(self.account, await buckets.spend(account, self.account, self._clock()))

    async def _sweep(self, buckets: ThrottleStore, now: float) -> None:
        # At most once a period per process: a bucket idle that long is full, and a full bucket is
        # the same as none, so the table holds only the addresses and accounts seen lately.
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + self._period
        forgotten = await buckets.forget_full(now - self._period)
        if forgotten:
            log.debug("forgot %d refilled sign-in buckets", forgotten)


def utc_now() -> datetime:
    return datetime.now(UTC)
