"""When to try a delivery again, and when to stop talking to a host for a while.

``RetryPolicy``: exponential backoff with full jitter (AWS's "full jitter":
uniform over [0, ceiling]) on top of a small floor, so a lucky draw near
zero never hammers a failing inbox. ``Retry-After`` is honoured as given.
A row still failing when its window (two days after it was queued, like
Mastodon's ~16 Sidekiq retries) closes is expired.

``HostHealthPolicy``: two per-host signals, stored in ``delivery_domains`` so all
worker processes share them:

* a circuit breaker: after ``threshold`` consecutive retryable failures the
  host is left alone for ``min(2^(n - threshold) minutes, 1 hour)``; its
  rows are rescheduled without a request. Mastodon uses Stoplight the same
  way (threshold 10, one minute).
* Mastodon's ``DeliveryFailureTracker``: failures on ``unavailable_days``
  distinct UTC days with no success in between mark the host unavailable,
  and fan-out stops queueing for it. Any success (including an activity it
  sends us, via ``record_success``) clears both.

Only retryable failures (5xx, 401/408/429, timeouts, refused connections)
count against a host: a 404 or 410 proves the server is up, as in Mastodon.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from activitypub.errors import StorageError
from storage.deliveries import DomainHealth

MINUTE = 60.0
HOUR = 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    floor: float = 10.0
    base: float = 60.0
    cap: float = 6 * HOUR
    max_age: timedelta = timedelta(days=2)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def ceiling(self, attempts: int) -> float:
        """The jitter range after the ``attempts``-th failed attempt (1-based)."""
        return min(self.cap, self.base * 2.0 ** max(attempts - 1, 0))

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return max(retry_after, self.floor)
        return self.floor + self.rng.uniform(0.0, self.ceiling(attempts))

    def deadline(self, created_at: datetime) -> datetime:
        return created_at + self.max_age

    def next_attempt(
        self, created_at: datetime, attempts: int, now: datetime, retry_after: float | None = None
    ) -> datetime | None:
        """When to try again, or None when the window is closed (the row expires).

        Without ``Retry-After`` the last try is clamped onto the deadline
        rather than dropped; a ``Retry-After`` past the deadline is obeyed by
        giving up.
        """
        deadline = self.deadline(created_at)
        if now >= deadline:
            return None
        wanted = now + timedelta(seconds=self.delay(attempts, retry_after))
        if wanted <= deadline:
            return wanted
        return None if retry_after is not None else deadline


@dataclass(frozen=True)
class HostHealthPolicy:
    threshold: int = 5
    open_base: float = MINUTE
    open_cap: float = HOUR
    unavailable_days: int = 7
    reschedule_spread: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def is_open(self, health: DomainHealth | None, now: datetime) -> bool:
        return health is not None and health.circuit_open_until is not None and health.circuit_open_until > now

    def open_seconds(self, consecutive_failures: int) -> float:
        return min(self.open_cap, self.open_base * 2.0 ** (consecutive_failures - self.threshold))

    def reopen_at(self, health: DomainHealth) -> datetime:
        """When a row held back by an open circuit should come back, spread so they do not stampede."""
        if health.circuit_open_until is None:
            raise StorageError(detail=f"no open circuit to reopen for {health.host}")
        return health.circuit_open_until + timedelta(seconds=self.rng.uniform(0.0, self.reschedule_spread))

    def after_failure(self, health: DomainHealth, now: datetime) -> DomainHealth:
        failures = health.consecutive_failures + 1
        new_day = health.last_failure_at is None or health.last_failure_at.date() != now.date()
        days = health.failure_days + 1 if new_day else health.failure_days
        open_until = health.circuit_open_until
        if failures >= self.threshold:
            open_until = now + timedelta(seconds=self.open_seconds(failures))
        return replace(
            health,
            consecutive_failures=failures,
            failure_days=days,
            first_failure_at=health.first_failure_at or now,
            last_failure_at=now,
            unavailable=health.unavailable or days >= self.unavailable_days,
            circuit_open_until=open_until,
        )

    def after_success(self, health: DomainHealth, now: datetime) -> DomainHealth:
        return DomainHealth(health.host, last_success_at=now)


def record_success(policy: HostHealthPolicy, now: datetime) -> Callable[[DomainHealth], DomainHealth]:
    """The change for ``DeliveryStore.update_domains`` when a host proved alive (e.g. it sent us an activity)."""
    return lambda health: policy.after_success(health, now)
