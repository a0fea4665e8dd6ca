"""Records and store protocols of what hangs off a status: media, polls, and statuses waiting to be posted.

A media attachment is uploaded on its own and is *unattached* until a
status (or a scheduled status) claims it. A scheduled status is a stored
row with a lease, drained by a worker::

    scheduled ──► published   the worker posted it (``status_id`` set)
        └──────► failed       the post was refused for good (``last_error``)

Plain dataclasses: ``meta`` and ``params`` are opaque mappings here, encoded
by the backend and given meaning by the services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from storage.models import Page


@dataclass(frozen=True, slots=True)
class MediaAttachment:
    id: int
    account_id: int
    status_id: int | None
    scheduled_status_id: int | None
    position: int
    type: str
    capability_token: str | None
    public_token: str | None  # set only while the status is published (docs/design.md, Media)
    file_name: str | None
    thumbnail_name: str | None
    mime_type: str | None
    remote_url: str | None
    description: str | None
    focus_x: float
    focus_y: float
    blurhash: str | None
    meta: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewMedia:
    account_id: int
    type: str
    capability_token: str
    file_name: str
    thumbnail_name: str
    mime_type: str
    description: str | None
    focus: tuple[float, float]
    blurhash: str
    meta: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    status_id: int
    options: tuple[str, ...]
    multiple: bool
    hide_totals: bool
    expires_at: datetime | None
    closed_at: datetime | None  # when the expiry was handled (notifications sent)
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewPoll:
    status_id: int
    options: tuple[str, ...]
    multiple: bool
    hide_totals: bool
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class PollTally:
    votes: tuple[int, ...]  # per option, in option order
    voters: int

    @property
    def total(self) -> int:
        return sum(self.votes)


class ScheduledState(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ScheduledStatus:
    id: int
    account_id: int
    scheduled_at: datetime
    params: Mapping[str, Any]
    state: ScheduledState
    attempts: int
    locked_until: datetime | None
    status_id: int | None
    last_error: str | None
    idempotency_key: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewScheduledStatus:
    account_id: int
    scheduled_at: datetime
    params: Mapping[str, Any]
    media_ids: tuple[int, ...] = ()
    idempotency_key: str | None = None
    created_at: datetime | None = field(default=None)


class MediaStore(Protocol):
    async def create(self, new: NewMedia) -> MediaAttachment: ...

    async def get(self, media_id: int) -> MediaAttachment | None: ...

    async def get_many(self, media_ids: Sequence[int]) -> Mapping[int, MediaAttachment]: ...

    async def uploaded_by(self, account_id: int, page: Page) -> Sequence[MediaAttachment]:
        """The account's own uploads (stored files, not remote media), newest first, a keyset page by id."""
        ...

    async def get_by_token(self, capability_token: str) -> MediaAttachment | None: ...

    async def get_by_public_token(self, public_token: str) -> MediaAttachment | None: ...

    async def set_public_token(self, media_id: int, public_token: str) -> bool:
        """Give the medium its public URL token unless it has one; True if set now."""
        ...

    async def update(
        self, media_id: int, *, description: str | None, focus: tuple[float, float]
    ) -> MediaAttachment: ...

    async def delete_unattached(self, media_id: int) -> bool:
        """Delete the row if nothing uses it; False if it is attached (or gone)."""
        ...

    async def delete_unused(self, capability_tokens: Sequence[str]) -> Sequence[str]:
        """Delete the rows of these uploads that nothing uses any more: unattached, or attached only to a
        deleted status. Returns the tokens still in use (by a live status or a scheduled one), whose files
        must stay; a token without a row is not in use. Atomic with ``attach``: a medium a redraft takes
        back either stays in use or is gone before the redraft can take it."""
        ...

    async def attach(self, status_id: int, account_id: int, media_ids: Sequence[int], *,
                     scheduled_status_id: int | None = None) -> int:
        """Give ``media_ids`` (in order) to the status; detach its other media.

        Only the account's media that are free count: unattached, attached to
        this status already, to a deleted status (delete-and-redraft), or to
        ``scheduled_status_id``. Returns how many were attached; a caller that
        gets fewer than asked rolls its transaction back.
        """
        ...

    async def attach_scheduled(self, scheduled_status_id: int, account_id: int, media_ids: Sequence[int]) -> int:
        """Reserve free media for a scheduled status; returns how many were reserved."""
        ...

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]: ...

    async def for_scheduled(self, scheduled_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]: ...


class PollStore(Protocol):
    async def create(self, new: NewPoll) -> Poll: ...

    async def get(self, poll_id: int) -> Poll | None: ...

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, Poll]: ...

    async def tallies(self, poll_ids: Sequence[int]) -> Mapping[int, PollTally]: ...

    async def own_votes(self, account_id: int, poll_ids: Sequence[int]) -> Mapping[int, Sequence[int]]: ...

    async def add_votes(self, poll_id: int, account_id: int, choices: Sequence[int], *,
                        uri: str | None = None) -> None:
        """Store the votes; Conflict if one of these choices was already cast by the account."""
        ...

    async def voter_ids(self, poll_id: int) -> Sequence[int]: ...

    async def claim_expired(self, now: datetime, limit: int) -> Sequence[Poll]:
        """Mark up to ``limit`` polls that ended by ``now`` as closed and return them, each exactly once."""
        ...


class ScheduledStatusStore(Protocol):
    async def create(self, new: NewScheduledStatus) -> ScheduledStatus:
        """Insert the row and reserve its media in one transaction; InvalidInput if a medium is not free."""
        ...

    async def get(self, scheduled_id: int) -> ScheduledStatus | None: ...

    async def get_by_idempotency(self, account_id: int, key: str) -> ScheduledStatus | None: ...

    async def list_pending(self, account_id: int, page: Page) -> Sequence[ScheduledStatus]: ...

    async def count_pending(self, account_id: int, *, between: tuple[datetime, datetime] | None = None) -> int: ...

    async def reschedule(self, scheduled_id: int, scheduled_at: datetime) -> ScheduledStatus | None: ...

    async def delete(self, scheduled_id: int) -> bool:
        """Remove a row still waiting; its media become unattached."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[ScheduledStatus]:
        """Lease due rows still waiting whose lease (if any) has run out, counting the attempt."""
        ...

    async def mark_published(self, scheduled_id: int, status_id: int) -> None: ...

    async def mark_failed(self, scheduled_id: int, error: str) -> None:
        """Keep the row for the record and free its media."""
        ...

    async def release(self, scheduled_id: int, retry_at: datetime, error: str) -> None:
        """Give the lease back after a temporary failure; the row is due again at ``retry_at``."""
        ...
