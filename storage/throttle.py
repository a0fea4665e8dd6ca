"""Token buckets kept in the database, so every server process spends from the same budget.

Several server processes behind one load balancer would each give a
password guesser a full budget if the buckets lived in process memory; in
the database a bucket is one row, and spending from it is one atomic
statement, so processes racing for the last token can't both get it.

A bucket holds ``capacity`` tokens and refills evenly over ``period``
seconds. A row stores the level at its last spend (``tokens``) and when
that was (``updated_at``, epoch seconds); the level now is computed from
both. A missing row is a full bucket, so full buckets can be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BucketRule:
    capacity: int
    period: float

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.period <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive period")

    @property
    def rate(self) -> float:
        """Tokens regained per second."""
        return self.capacity / self.period

    def level(self, tokens: float, updated_at: float, now: float) -> float:
        # A clock behind the row's (another machine's) refills nothing rather than draining the bucket.
        return min(float(self.capacity), tokens + max(0.0, now - updated_at) * self.rate)


@dataclass(frozen=True, slots=True)
class Spent:
    """The outcome of one spend: ``tokens`` is the level left after it, or the level that refused it."""

    allowed: bool
    tokens: float


class ThrottleStore(Protocol):
    async def spend(self, key: str, rule: BucketRule, now: float) -> Spent:
        """Take one token from the bucket if it holds one, atomically across processes."""
        ...

    async def level(self, key: str, rule: BucketRule, now: float) -> float:
        """The bucket's level at ``now``, spending nothing."""
        ...

    async def forget_full(self, idle_since: float) -> int:
        """Delete buckets last spent from at or before ``idle_since``; returns how many.

        Pass ``now - period`` (the longest period of any rule): such a bucket
        has refilled completely, so deleting it loses nothing.
        """
        ...
