"""Records of outbound deliveries and of remote hosts' health.

A delivery is one signed POST of one activity to one inbox. Its states::

    pending ──► done        the inbox answered 2xx
       │  ├───► failed      a permanent refusal (most 4xx, a blocked destination, the guard)
       │  ├───► gone        410: the inbox (or its actor) is gone for good
       │  └───► expired     still failing when the retry window closed
       └──(retry)──► pending with a later next_attempt_at

Plain dataclasses: the payload is opaque bytes here, serialised once by
``federation.fanout``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    GONE = "gone"
    EXPIRED = "expired"


FINAL_STATES = frozenset({DeliveryState.DONE, DeliveryState.FAILED, DeliveryState.GONE, DeliveryState.EXPIRED})


@dataclass(frozen=True, slots=True)
class NewDelivery:
    activity_uri: str
    object_uri: str | None
    actor_account_id: int
    inbox_url: str
    host: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    activity_uri: str
    object_uri: str | None
    actor_account_id: int
    inbox_url: str
    host: str
    payload: bytes
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    locked_until: datetime | None
    locked_by: str | None
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    """What one worker decided about one claimed row; ``at`` is when it decided.

    ``attempted`` False means the row was put back without a request (open
    circuit, lease running out): attempts and the last_* fields stay.
    """

    id: int
    state: DeliveryState
    at: datetime
    attempted: bool
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DomainHealth:
    host: str
    consecutive_failures: int = 0
    failure_days: int = 0
    first_failure_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None
    unavailable: bool = False
    circuit_open_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class HostDeliveryCounts:
    """Rows per state for one host, for the admin page."""

    host: str
    pending: int = 0
    done: int = 0
    failed: int = 0
    gone: int = 0
    expired: int = 0
