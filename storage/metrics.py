"""What the work tables hold right now, read at scrape time for the operators' metrics.

Several server and worker processes share one database, so queue depths and
delivery outcomes are facts of the database, never of one process's memory.
Every figure is a count or a minimum over indexed columns (the pending rows'
partial indexes, the primary key), so a scrape stays cheap as the tables grow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class Queue(StrEnum):
    """The work tables some worker drains."""

    DELIVERIES = "deliveries"
    INBOX = "inbox"
    PUSH_DELIVERIES = "push_deliveries"
    REMOTE_MEDIA = "remote_media"
    CARDS = "cards"
    SCHEDULED_STATUSES = "scheduled_statuses"
    SCHEDULED_PUBLICATIONS = "scheduled_publications"
    MEDIA_DELETIONS = "media_deletions"


class Outcome(StrEnum):
    """Where a delivery stands: not tried yet, retrying, delivered, or failed for good (failed, gone, expired)."""

    QUEUED = "queued"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"


class StatusClass(StrEnum):
    """The last answer of a delivery's remote: an HTTP status class, no answer at all, or never asked."""

    OK = "2xx"
    REDIRECT = "3xx"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    OTHER = "other"
    NETWORK = "network"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """``pending`` rows wait (due or not); ``due`` ones are late already; ``retrying`` ones failed before.

    ``oldest_due_at`` is the earliest next-attempt time among pending rows; once
    it is in the past, ``now - oldest_due_at`` is how far the workers lag.
    """

    queue: Queue
    pending: int
    due: int
    retrying: int
    oldest_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    queue: Queue
    outcome: Outcome
    last_status: StatusClass
    count: int


@dataclass(frozen=True, slots=True)
class WorkMetrics:
    """One reading of the work tables at ``measured_at``.

    ``outcomes`` cover the outbound rows (deliveries and pushes) created within
    ``outcome_window`` before ``measured_at``: the recent picture, found by id
    range, instead of a count over the whole history.
    """

    measured_at: datetime
    queues: Sequence[QueueDepth]
    outcomes: Sequence[OutcomeCount]
    outcome_window: timedelta
    oldest_pending_inbox_at: datetime | None

    @property
    def inbox_lag_seconds(self) -> float:
        """Age of the oldest inbound activity not handled yet (retries included); 0 when none waits."""
        if self.oldest_pending_inbox_at is None:
            return 0.0
        return max(0.0, (self.measured_at - self.oldest_pending_inbox_at).total_seconds())

    def lag_seconds(self, depth: QueueDepth) -> float:
        """How long the most overdue row of a queue has been due; 0 when none is."""
        if depth.oldest_due_at is None:
            return 0.0
        return max(0.0, (self.measured_at - depth.oldest_due_at).total_seconds())


class MetricsStore(Protocol):
    async def work_metrics(self, now: datetime, outcome_window: timedelta) -> WorkMetrics:
        """Read every work table's depth, the recent delivery outcomes and the inbox lag as of ``now``."""
        ...
