"""Email: each person's choices, when they were last seen, the outbox, and the weekly digest's runs.

A queued mail is one row for one person. Its states::

    pending ──► sent        the SMTP server accepted it
       │  ├───► cancelled   not to be sent after all: the person left or switched the kind off,
       │  │                 a mention was read in an app meanwhile, the post is gone
       │  ├───► failed      a permanent refusal (5xx for the recipient)
       │  └───► expired     the server was still unreachable when the retry window closed
       └──(retry)──► pending with a later next_attempt_at
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class MailKind(StrEnum):
    MENTION = "mention"
    PROPOSAL_DECISION = "proposal_decision"
    IMPORTANT = "important"
    DIGEST = "digest"


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class NewMail:
    account_id: int
    address: str
    kind: MailKind
    subject: str
    body_text: str
    body_html: str
    unsubscribe_url: str
    due_at: datetime
    notification_id: int | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: int
    account_id: int
    address: str
    kind: MailKind
    subject: str
    body_text: str
    body_html: str
    unsubscribe_url: str
    notification_id: int | None
    state: MailState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class MailUpdate:
    """What the worker decided about one claimed row; ``attempted`` False: nothing was sent to the server."""

    id: int
    state: MailState
    at: datetime
    attempted: bool = True
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """An active employee's staff address: the only place internal content may be mailed."""

    account_id: int
    username: str
    display_name: str
    address: str


@dataclass(frozen=True, slots=True)
class DigestRun:
    week: str
    started_at: datetime
    after_account_id: int
    queued: int
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class DigestCandidate:
    """A post of the week that staff can read (not direct), with its engagement."""

    status_id: int
    author_id: int
    visibility: str
    score: int
    department_ids: tuple[int, ...]
    """The departments the post is addressed to (mentions them)."""


@dataclass(frozen=True, slots=True)
class DigestCircle:
    """What decides a person's digest: whom they follow, their departments, whom they do not want to see."""

    following: frozenset[int]
    departments: frozenset[int]
    hidden: frozenset[int]
    """Accounts they block or mute, or that block them."""


class MailStore(Protocol):
    async def preferences(self, account_id: int) -> Mapping[MailKind, bool]:
        """The kinds this person switched away from their default (a kind not in it has its default)."""
        ...

    async def set_preference(self, account_id: int, kind: MailKind, enabled: bool, now: datetime) -> None: ...

    async def wanting(self, account_ids: Sequence[int], kind: MailKind, default: bool) -> Sequence[Recipient]:
        """Of ``account_ids``, the active employees who want ``kind``, with their staff address, by id."""
        ...

    async def recipient(self, account_id: int) -> Recipient | None:
        """The account's staff address if it is an active employee (an enabled login, not remote, not an organisation)."""
        ...

    async def mark_seen(self, account_id: int, at: datetime) -> None: ...

    async def last_seen(self, account_id: int) -> datetime | None: ...

    async def enqueue(self, mails: Sequence[NewMail], now: datetime) -> int:
        """Queue the mails, due at their ``due_at``; one whose ``dedupe_key`` is queued already is skipped."""
        ...

    async def claim(self, worker_id: str, now: datetime, lease_until: datetime, limit: int) -> Sequence[QueuedMail]:
        """Lock up to ``limit`` due pending rows (rows of an expired lease come back), oldest due first."""
        ...

    async def complete(self, worker_id: str, updates: Sequence[MailUpdate]) -> int:
        """Record outcomes and unlock; rows no longer locked by ``worker_id`` are skipped."""
        ...

    async def get(self, mail_id: int) -> QueuedMail | None: ...

    async def for_account(self, account_id: int) -> Sequence[QueuedMail]:
        """The person's mails, oldest first (the tests' and the admin's view)."""
        ...

    async def start_digest(self, week: str, now: datetime) -> bool:
        """Open the week's digest run; False when it exists already."""
        ...

    async def claim_digest(self, worker_id: str, now: datetime, lease_until: datetime) -> DigestRun | None:
        """Lock the oldest unfinished run whose lease is free."""
        ...

    async def advance_digest(
        self, week: str, worker_id: str, after_account_id: int, queued: int, finished_at: datetime | None
    ) -> bool:
        """Move the run's cursor (and finish it), only while ``worker_id`` holds it; the lease is released."""
        ...

    async def digest_run(self, week: str) -> DigestRun | None: ...

    async def digest_recipients(self, after_account_id: int, limit: int, default: bool) -> Sequence[Recipient]:
        """Active employees after ``after_account_id`` (by id) who want the digest."""
        ...

    async def digest_candidates(self, since: datetime, until: datetime, limit: int) -> Sequence[DigestCandidate]:
        """Local posts (not replies, not boosts, not direct, not deleted) made in [since, until) with any
        favourite, boost or reply, most engaged first."""
        ...

    async def digest_circles(self, account_ids: Sequence[int]) -> Mapping[int, DigestCircle]: ...

    async def gone_authors(self, account_ids: Sequence[int]) -> frozenset[int]:
        """Those of ``account_ids`` whose posts no longer go into mail: a deleted account, or an employee
        whose login is disabled (deactivated or offboarded)."""
        ...
