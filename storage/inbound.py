"""Records of what arrives from other servers: remote profiles, inbox items, reports and blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
