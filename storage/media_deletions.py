"""Media objects waiting to be deleted from the media store, as stored rows with a lease.

One row per object key (``media/<token>/original.jpg``...), due at ``due_at``::

    enqueue ──► waiting ──(due_at passed)──► claimed (locked_until) ──► done: the row is gone
                   ▲                                  │
                   └───── retry: due again later ◄────┘  (attempts, last_error kept)

The store never gives up on a row: a bucket that is down for a week keeps its rows, each with the
last error, and they are deleted once it is back. What the keys mean, and when a medium is still
in use, is for the services (server/services/media_removals.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MediaDeletion:
    key: str
    due_at: datetime
    attempts: int  # claims so far, this one included once claimed
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MediaDeletionCounts:
    """The queue at a glance, for metrics and the admin: no key, so nothing about any medium."""

    due: int  # due now, including those retrying after a failure
    waiting: int  # not due yet (a deleted status's media, kept for a redraft)
    failing: int  # with a last error: the store refused them at least once
    oldest_failing_since: datetime | None  # created_at of the oldest failing row


class MediaDeletions(Protocol):
    async def enqueue(self, keys: Sequence[str], due_at: datetime, now: datetime) -> int:
        """One row per key, due at ``due_at``; a key already queued is due at ``due_at`` now and keeps its
        attempts and last error. Returns how many keys were given."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[MediaDeletion]:
        """Lease up to ``limit`` rows due by ``now`` that no one holds, counting the attempt."""
        ...

    async def done(self, keys: Sequence[str]) -> int:
        """Drop the rows: their objects are gone, or no longer to be deleted."""
        ...

    async def retry(self, key: str, next_attempt: datetime, error: str) -> None:
        """Give the lease back after a failure; the row is due again at ``next_attempt``."""
        ...

    async def get(self, key: str) -> MediaDeletion | None: ...

    async def counts(self, now: datetime) -> MediaDeletionCounts: ...
