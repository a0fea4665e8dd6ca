"""The work tables' depths and recent delivery outcomes, in SQL both backends run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.clock import from_db, to_db
from storage.ids import id_at
from storage.metrics import Outcome, OutcomeCount, Queue, QueueDepth, StatusClass, WorkMetrics
from storage.sql.database import Database


@dataclass(frozen=True, slots=True)
class _WorkTable:
    queue: Queue
    table: str
    waiting_state: str | None  # None: every row waits (a finished row is deleted)
    due_column: str
    has_attempts: bool = True
    waiting_also: str = ""  # a further condition on waiting rows (the one their partial index has)


# Each table's waiting rows have a partial index on their due column, so these
# counts walk the queue itself, never the finished history.
WORK_TABLES = (
    _WorkTable(Queue.DELIVERIES, "deliveries", "pending", "next_attempt_at"),
    _WorkTable(Queue.INBOX, "inbox_items", "pending", "next_attempt"),
    _WorkTable(Queue.PUSH_DELIVERIES, "push_deliveries", "pending", "next_attempt_at"),
    # Files removed from the cache are pending again but wait for a client's request, not for the queue.
    _WorkTable(Queue.REMOTE_MEDIA, "remote_files", "pending", "next_attempt_at", waiting_also="fetched_at IS NULL"),
    _WorkTable(Queue.CARDS, "card_fetches", "pending", "next_attempt_at"),
    _WorkTable(Queue.SCHEDULED_STATUSES, "scheduled_statuses", "scheduled", "scheduled_at"),
    _WorkTable(Queue.SCHEDULED_PUBLICATIONS, "review_items", "scheduled", "scheduled_at", has_attempts=False),
    _WorkTable(Queue.MEDIA_DELETIONS, "media_deletions", None, "due_at"),
)
# Outbound rows that record the remote's answer; their ids are time-ordered.
OUTCOME_TABLES = ((Queue.DELIVERIES, "deliveries"), (Queue.PUSH_DELIVERIES, "push_deliveries"))


def _depth_select(work: _WorkTable) -> str:
    retrying = "SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END)" if work.has_attempts else "0"
    conditions = [f"state = '{work.waiting_state}'" if work.waiting_state else "", work.waiting_also]
    waiting = " WHERE " + " AND ".join(c for c in conditions if c) if any(conditions) else ""
    return (
        f"SELECT '{work.queue.value}' AS queue, count(*) AS pending,"
        f" SUM(CASE WHEN {work.due_column} <= ? THEN 1 ELSE 0 END) AS due,"
        f" {retrying} AS retrying, MIN({work.due_column}) AS first_due_at"
        f" FROM {work.table}{waiting}"
    )


DEPTHS_SQL = " UNION ALL ".join(_depth_select(work) for work in WORK_TABLES)

OUTCOME_CASE = (
    "CASE WHEN state = 'done' THEN 'delivered'"
    " WHEN state = 'pending' AND attempts > 0 THEN 'retrying'"
    " WHEN state = 'pending' THEN 'queued'"
    " ELSE 'failed' END"
)
# No status with attempts made means the request never got an answer (refused, reset, timed out).
STATUS_CLASS_CASE = (
    "CASE WHEN last_status >= 200 AND last_status < 300 THEN '2xx'"
    " WHEN last_status >= 300 AND last_status < 400 THEN '3xx'"
    " WHEN last_status >= 400 AND last_status < 500 THEN '4xx'"
    " WHEN last_status >= 500 AND last_status < 600 THEN '5xx'"
    " WHEN last_status IS NOT NULL THEN 'other'"
    " WHEN attempts > 0 THEN 'network'"
    " ELSE 'none' END"
)
OUTCOMES_SQL = " UNION ALL ".join(
    f"SELECT '{queue.value}' AS queue, {OUTCOME_CASE} AS outcome, {STATUS_CLASS_CASE} AS status_class,"
    f" count(*) AS n FROM {table} WHERE id >= ? GROUP BY 2, 3"
    for queue, table in OUTCOME_TABLES
)

INBOX_LAG_SQL = "SELECT MIN(received_at) AS oldest FROM inbox_items WHERE state = 'pending'"


class SqlMetricsStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def work_metrics(self, now: datetime, outcome_window: timedelta) -> WorkMetrics:
        moment = to_db(now)
        depth_rows = await self._db.fetch_all(DEPTHS_SQL, [moment] * len(WORK_TABLES))
        since = id_at(now - outcome_window)
        outcome_rows = await self._db.fetch_all(OUTCOMES_SQL, [since] * len(OUTCOME_TABLES))
        inbox = await self._db.fetch_one(INBOX_LAG_SQL)
        queues = [
            QueueDepth(
                queue=Queue(row["queue"]),
                pending=int(row["pending"]),
                due=int(row["due"] or 0),
                retrying=int(row["retrying"] or 0),
                oldest_due_at=from_db(row["first_due_at"]) if row["first_due_at"] else None,
            )
            for row in depth_rows
        ]
        outcomes = [
            OutcomeCount(Queue(row["queue"]), Outcome(row["outcome"]), StatusClass(row["status_class"]), int(row["n"]))
            for row in outcome_rows
        ]
        oldest_inbox = inbox["oldest"] if inbox is not None else None
        return WorkMetrics(
            measured_at=now,
            queues=queues,
            outcomes=outcomes,
            outcome_window=outcome_window,
            oldest_pending_inbox_at=from_db(oldest_inbox) if oldest_inbox else None,
        )
