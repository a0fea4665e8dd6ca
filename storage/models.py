"""Domain records. Plain dataclasses: they know nothing about JSON or SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An OAuth access token; only its SHA-256 digest is stored."""

    id: int
    account_id: int | None
    application_id: int | None
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebSession:
    id: int
    account_id: int
    created_at: datetime
    revoked_at: datetime | None
