"""What every leased work table (deliveries, push deliveries) does when a worker finishes a row."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol

from storage.clock import to_db


class LeaseUpdate(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def state(self) -> Enum: ...

    @property
    def attempted(self) -> bool: ...

    @property
    def next_attempt_at(self) -> datetime | None: ...

    @property
    def last_status(self) -> int | None: ...

    @property
    def last_error(self) -> str | None: ...

    @property
    def at(self) -> datetime: ...


def completion_sql(table: str) -> str:
    """Finish or reschedule a row, only while this worker still holds its lease."""
    return f"""
UPDATE {table} SET
    state = ?,
    attempts = attempts + ?,
    next_attempt_at = COALESCE(?, next_attempt_at),
    last_status = CASE WHEN ? = 1 THEN ? ELSE last_status END,
    last_error = CASE WHEN ? = 1 THEN ? ELSE last_error END,
    last_attempt_at = CASE WHEN ? = 1 THEN ? ELSE last_attempt_at END,
    finished_at = ?,
    locked_until = NULL,
    locked_by = NULL
WHERE id = ? AND locked_by = ? AND state = 'pending'
"""


def completion_params(worker_id: str, update: LeaseUpdate) -> tuple[object, ...]:
    attempted = 1 if update.attempted else 0
    # A row put back unsent keeps its last answer; one refused before sending records why.
    noted = 1 if update.attempted or update.last_error is not None else 0
    finished = to_db(update.at) if update.state.value != "pending" else None
    next_at = to_db(update.next_attempt_at) if update.next_attempt_at is not None else None
    return (
        update.state.value, attempted, next_at, noted, update.last_status, noted, update.last_error,
        attempted, to_db(update.at), finished, update.id, worker_id,
    )  # fmt: skip
