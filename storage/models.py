"""Domain records. Plain dataclasses: they know nothing about JSON or SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# Records of other aggregates, re-exported so ``from storage.models import ...`` keeps working.
from storage.inbound import InboxItem, InboxState, NewInboxItem, NewReport, RemoteBlock, RemoteProfile, Report
from storage.oauth import (
    AccessToken,
    AuthorizationCode,
    NewApplication,
    NewAuthorizationCode,
    OAuthApplication,
    WebSession,
)


class AccountKind(StrEnum):
    EMPLOYEE = "employee"
    DEPARTMENT = "department"
    COMPANY = "company"
    REMOTE = "remote"


class Role(StrEnum):
    STAFF = "staff"
    PUBLISHER = "publisher"
    ADMIN = "admin"


class MemberRole(StrEnum):
    MEMBER = "member"
    PUBLISHER = "publisher"


LOCAL_KINDS = frozenset({AccountKind.EMPLOYEE, AccountKind.DEPARTMENT, AccountKind.COMPANY})


@dataclass(frozen=True, slots=True)
class Account:
    """Any actor: a local employee, department or the company, or a remote actor.

    ``note`` is the internal bio; ``public_note`` is the only bio outsiders see.
    ``domain`` is None for local accounts.
    """

    id: int
    kind: AccountKind
    username: str
    domain: str | None
    display_name: str
    note: str
    public_note: str
    exposed: bool
    created_at: datetime
    updated_at: datetime
    public_key_pem: str
    private_key_pem: str | None = field(default=None, repr=False)
    avatar_path: str | None = None
    header_path: str | None = None
    locked: bool = False
    uri: str | None = None
    url: str | None = None
    inbox_url: str | None = None
    shared_inbox_url: str | None = None
    key_id: str | None = None
    # Remote actors only: the AS type, when the document was last fetched,
    # whether the actor deleted itself, and where it moved (verified).
    actor_type: str | None = None
    fetched_at: datetime | None = None
    deleted_at: datetime | None = None
    moved_to_uri: str | None = None

    @property
    def is_local(self) -> bool:
        return self.domain is None

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass(frozen=True, slots=True)
class User:
    """The sign-in side of an employee account."""

    account_id: int
    email: str
    password_hash: str
    role: Role
    disabled: bool
    created_at: datetime
    # The identity provider's ``sub`` once a single sign-on has linked this account.
    sso_subject: str | None = None
    # Break-glass: keeps password sign-in when single sign-on is the only way in.
    local_login: bool = False
    # The role came from the provider's groups (and goes when the person leaves them).
    role_from_idp: bool = False


@dataclass(frozen=True, slots=True)
class Membership:
    department_id: int
    account_id: int
    role: MemberRole
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What a caller supplies to create a local account; the store adds id and times."""

    kind: AccountKind
    username: str
    display_name: str
    public_key_pem: str
    private_key_pem: str
    note: str = ""
    public_note: str = ""
    exposed: bool = False
    locked: bool = False


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    password_hash: str
    role: Role = Role.STAFF
    local_login: bool = False
    sso_subject: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """Fields a profile update may set; None leaves a field unchanged."""

    display_name: str | None = None
    note: str | None = None
    public_note: str | None = None
    avatar_path: str | None = None
    header_path: str | None = None
    locked: bool | None = None
    exposed: bool | None = None


class FollowState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    account_id: int
    target_account_id: int
    state: FollowState
    uri: str | None
    show_reblogs: bool
    notify: bool
    created_at: datetime


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"
    DIRECT = "direct"


class PublicationState(StrEnum):
    INTERNAL = "internal"
    PUBLISHED = "published"
    RETRACTED = "retracted"


@dataclass(frozen=True, slots=True)
class Status:
    """A post or a boost (``reblog_of_id``); ``thread_id`` is the id of the thread's root."""

    id: int
    account_id: int
    local: bool
    uri: str | None
    url: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    in_reply_to_uri: str | None
    reblog_of_id: int | None
    thread_id: int
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    language: str | None
    visibility: Visibility
    application_id: int | None
    publication_state: PublicationState
    publication_epoch: int
    published_edit_id: int | None
    published_at: datetime | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None

    @property
    def is_published(self) -> bool:
        return self.publication_state is PublicationState.PUBLISHED


@dataclass(frozen=True, slots=True)
class NewStatus:
    account_id: int
    visibility: Visibility
    text: str = ""
    content: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    local: bool = True
    uri: str | None = None
    url: str | None = None
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    in_reply_to_uri: str | None = None
    reblog_of_id: int | None = None
    application_id: int | None = None
    mention_ids: tuple[int, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # (normalised name, display name)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatusEdit:
    id: int
    status_id: int
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    language: str | None
    created_at: datetime
    media: tuple[tuple[int, str | None], ...] | None = None
    """The revision's media in order, each with the description it had then (Mastodon's ``media_descriptions``);
    None for a revision recorded before revisions kept their media."""


@dataclass(frozen=True, slots=True)
class StatusChanges:
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    language: str | None
    mention_ids: tuple[int, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    account_id: int
    from_account_id: int
    type: str
    status_id: int | None
    created_at: datetime
    group_key: str | None = None  # favourites, boosts and follows that group (storage.notification_groups)


@dataclass(frozen=True, slots=True)
class Page:
    """A keyset page over ids: ``max_id``/``since_id`` bound it, ``min_id`` reads upward from an id."""

    limit: int = 20
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """Whose eyes a read uses: the account spoken as, and whose direct mail it may read.

    An account reads its own mail (``mail_of == account_id``). A token acting
    as the company or a department for a human who is not an admin reads that
    identity's direct statuses only where they are the human's own mail too
    (``mail_of`` is the human): see ``server.services.identities``.
    """

    account_id: int
    mail_of: int

    @classmethod
    def own(cls, account_id: int) -> Reader:
        return cls(account_id, account_id)

    @property
    def restricted(self) -> bool:
        return self.mail_of != self.account_id


def reader_of(viewer: Reader | Account | int) -> Reader:
    """An account (or its id) reads with its own eyes; a Reader is taken as it is."""
    if isinstance(viewer, Reader):
        return viewer
    return Reader.own(viewer.id if isinstance(viewer, Account) else viewer)


@dataclass(frozen=True, slots=True)
class StatusFilter:
    """Options of the public, tag, account and department timelines."""

    local_only: bool = False
    remote_only: bool = False
    only_media: bool = False
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    public_only: bool = False
    tag_any: tuple[str, ...] = ()
    tag_all: tuple[str, ...] = ()
    tag_none: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewerFlags:
    """What one viewer has done to a batch of statuses."""

    favourited: frozenset[int]
    reblogged: frozenset[int]
    bookmarked: frozenset[int]
    pinned: frozenset[int]
    muted_threads: frozenset[int]


@dataclass(frozen=True, slots=True)
class PublicationRecord:
    """One line of the append-only publication log."""

    id: int
    status_id: int
    from_state: str
    to_state: str
    epoch: int
    actor: str
    reason: str | None
    announcer_ids: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AccountStats:
    """What profile counters show inside; outside views count only outside relationships."""

    followers: int
    following: int
    statuses: int
    last_status_at: datetime | None


__all__ = [
    "AccessToken", "Account", "AccountKind", "AccountStats", "AuthorizationCode", "Follow", "FollowState",
    "InboxItem", "InboxState", "Membership", "MemberRole", "NewAccount", "NewApplication", "NewAuthorizationCode",
    "NewInboxItem", "NewReport", "NewStatus", "NewUser", "Notification", "OAuthApplication", "Page",
    "ProfileChanges", "PublicationRecord", "PublicationState", "Reader", "RemoteBlock", "RemoteProfile", "Report",
    "Role", "Status", "StatusChanges", "StatusEdit", "StatusFilter", "Tag", "User", "ViewerFlags", "Visibility",
    "WebSession", "reader_of",
]
