"""The review queue and the audit log: models and the store Protocol.

A review item is a post waiting for a publication decision: a nominated
post (``publication``) or a newer revision of a published one
(``revision``). Each names the revision (``status_edits`` id) it asks to
approve, so a decision about an older revision can be told apart and
refused. The audit log is the append-only ``publication_log``; every
decision, by the queue or not, is a line there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from storage.models import Page, PublicationState


class ReviewKind(StrEnum):
    PUBLICATION = "publication"
    REVISION = "revision"


class ReviewState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    SUPERSEDED = "superseded"


OPEN_STATES = (ReviewState.PENDING, ReviewState.SCHEDULED)


class AuditAction(StrEnum):
    NOMINATE = "nominate"
    REVISION_PENDING = "revision_pending"
    APPROVE = "approve"
    SCHEDULE = "schedule"
    DECLINE = "decline"
    SUPERSEDE = "supersede"
    ANNOUNCERS = "announcers"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    APPROVE_REVISION = "approve_revision"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    status_id: int
    kind: ReviewKind
    state: ReviewState
    edit_id: int
    nominated_by: str
    announcer_ids: tuple[int, ...] | None
    """Chosen by a decider; None means the default announcers."""
    scheduled_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True, slots=True)
class NewReviewItem:
    status_id: int
    kind: ReviewKind
    edit_id: int
    nominated_by: str


@dataclass(frozen=True, slots=True)
class Decision:
    """A state change of an item, applied only if the item is still in ``expect`` for ``edit_id``."""

    to_state: ReviewState
    expect: tuple[ReviewState, ...]
    edit_id: int
    by: str
    reason: str | None = None
    scheduled_at: datetime | None = None
    announcer_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    status_id: int
    action: str
    from_state: str
    to_state: str
    epoch: int
    actor: str
    reason: str | None
    announcer_ids: tuple[int, ...]
    detail: Mapping[str, object]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAuditEntry:
    status_id: int
    action: AuditAction
    from_state: str
    to_state: str
    epoch: int
    actor: str
    reason: str | None = None
    announcer_ids: tuple[int, ...] = ()
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    status_id: int | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdminStatusFilter:
    """Admin lists show only public and unlisted local posts, never private or direct ones."""

    account_id: int | None = None
    department_ids: tuple[int, ...] | None = None
    """Posts addressed to (mentioning) any of these; None: any post."""
    hashtag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    state: PublicationState | None = None


class ReviewStore(Protocol):
    async def open_item(self, new: NewReviewItem) -> ReviewItem:
        """Insert a pending item; Conflict if the status already has an open one."""
        ...

    async def get(self, item_id: int) -> ReviewItem | None: ...

    async def open_for(self, status_id: int) -> ReviewItem | None: ...

    async def open_for_many(self, status_ids: Sequence[int]) -> Mapping[int, ReviewItem]:
        """``open_for`` of many statuses in one query: the open item of each that has one, by status id."""
        ...

    async def items(
        self, states: Sequence[ReviewState], page: Page, *, department_ids: Sequence[int] | None = None
    ) -> Sequence[ReviewItem]:
        """Newest first; ``department_ids`` keeps items whose status mentions one of them."""
        ...

    async def decide(self, item_id: int, decision: Decision) -> ReviewItem | None:
        """Apply the decision atomically; None if the item moved on (another state or revision)."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[ReviewItem]:
        """Lease scheduled items that are due and not leased by another worker."""
        ...

    async def log(self, entry: NewAuditEntry) -> None: ...

    async def audit(self, where: AuditFilter, page: Page) -> Sequence[AuditEntry]: ...

    async def admin_status_ids(self, where: AdminStatusFilter, page: Page) -> Sequence[int]: ...
