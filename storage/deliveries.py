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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


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


DomainChange = Callable[[DomainHealth], DomainHealth]


class DeliveryStore(Protocol):
    async def enqueue(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        """Insert pending rows due at ``now`` in one transaction; an (activity, inbox) already queued is skipped.

        Returns how many rows were inserted.
        """
        ...

    async def claim(
        self, worker_id: str, now: datetime, lease_until: datetime, limit: int, per_host_limit: int
    ) -> Sequence[Delivery]:
        """Atomically lock up to ``limit`` due pending rows, at most ``per_host_limit`` per host.

        A row is claimable when due and unlocked or its lease has passed, so the
        rows of a crashed worker come back. PostgreSQL: ``FOR UPDATE SKIP LOCKED``.
        """
        ...

    async def complete(self, worker_id: str, updates: Sequence[DeliveryUpdate]) -> int:
        """Record outcomes and unlock; rows no longer locked by ``worker_id`` are left alone."""
        ...

    async def get(self, delivery_id: int) -> Delivery | None: ...

    async def for_activity(self, activity_uri: str) -> Sequence[Delivery]:
        """Every row of one activity, by inbox, for the admin page and the author's view."""
        ...

    async def inboxes_for_object(self, object_uri: str) -> Sequence[str]:
        """Inboxes that got (or are still getting) an activity about ``object_uri``."""
        ...

    async def domains(self, hosts: Iterable[str]) -> Mapping[str, DomainHealth]:
        """Health of the hosts that have a row; absent hosts have never failed."""
        ...

    async def update_domains(self, changes: Mapping[str, DomainChange]) -> Mapping[str, DomainHealth]:
        """Read-modify-write each host's health atomically (hosts without a row start blank)."""
        ...

    async def unavailable_hosts(self, hosts: Iterable[str]) -> frozenset[str]: ...

    async def counts_by_host(self, limit: int = 100) -> Sequence[HostDeliveryCounts]:
        """Rows per state for the hosts with the most pending rows, for the admin page."""
        ...

    async def list_domains(self, *, unavailable_only: bool = False, limit: int = 100) -> Sequence[DomainHealth]: ...
