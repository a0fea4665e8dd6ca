"""What arrives from other servers: remote profiles, inbox items, reports and blocks, and their stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RemoteProfile:
    """What we keep of a fetched remote actor document; ``upsert_remote`` stores it by ``uri``."""

    uri: str
    username: str
    domain: str
    actor_type: str
    inbox_url: str
    display_name: str = ""
    note: str = ""
    url: str | None = None
    shared_inbox_url: str | None = None
    key_id: str | None = None
    public_key_pem: str = ""
    locked: bool = False
    avatar_url: str | None = None  # the partner's URL; clients only ever see our proxy's
    header_url: str | None = None


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class NewInboxItem:
    """A verified inbound activity, stored raw before any handler runs.

    ``dedupe_key`` is what makes a redelivery a no-op: the activity id, or a
    digest of the body for activities without one.
    """

    dedupe_key: str
    activity_type: str
    actor_uri: str
    body: str
    activity_id: str | None = None
    key_id: str | None = None
    recipient_id: int | None = None


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    dedupe_key: str
    activity_id: str | None
    activity_type: str
    actor_uri: str
    key_id: str | None
    recipient_id: int | None
    body: str
    state: InboxState
    attempts: int
    next_attempt: datetime
    locked_until: datetime | None
    last_error: str | None
    note: str | None
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewReport:
    """A ``Flag`` from outside: only local accounts and objects we know are kept as targets."""

    reporter_uri: str
    comment: str
    target_account_ids: tuple[int, ...] = ()
    target_object_uris: tuple[str, ...] = ()
    activity_id: str | None = None
    reporter_id: int | None = None


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    reporter_uri: str
    reporter_id: int | None
    comment: str
    target_account_ids: tuple[int, ...]
    target_object_uris: tuple[str, ...]
    activity_id: str | None
    state: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class RemoteBlock:
    """A remote actor (``actor_id``) blocks one of our accounts (``target_id``)."""

    actor_id: int
    target_id: int
    activity_id: str | None
    created_at: datetime


class InboxStore(Protocol):
    """Verified inbound activities waiting for, or done with, their handler."""

    async def add(self, item: NewInboxItem) -> InboxItem | None:
        """Store a pending item; None if its ``dedupe_key`` was seen before."""
        ...

    async def get(self, item_id: int) -> InboxItem | None: ...

    async def get_by_dedupe_key(self, dedupe_key: str) -> InboxItem | None: ...

    async def claim_due(self, limit: int, lease_seconds: float) -> Sequence[InboxItem]:
        """Lease up to ``limit`` pending items whose next attempt is due, counting the attempt."""
        ...

    async def mark_done(self, item_id: int, note: str | None = None) -> None: ...

    async def mark_retry(self, item_id: int, delay_seconds: float, error: str) -> None: ...

    async def mark_failed(self, item_id: int, error: str) -> None: ...

    async def count_by_state(self) -> dict[str, int]: ...


class ModerationStore(Protocol):
    """What remote servers tell us about our accounts: reports (``Flag``) and blocks."""

    async def add_report(self, report: NewReport) -> Report | None:
        """None if a report with the same activity id exists."""
        ...

    async def list_reports(self) -> Sequence[Report]: ...

    async def add_remote_block(self, actor_id: int, target_id: int, activity_id: str | None) -> bool:
        """False if the block was already recorded."""
        ...

    async def remove_remote_block(self, actor_id: int, target_id: int) -> bool: ...

    async def remote_blocks_of(self, target_id: int) -> Sequence[RemoteBlock]: ...
