"""SCIM provisioning's records: the provider's tokens, and what SCIM knows of people and departments.

A SCIM user or group is an account of ours (an employee, a department) plus
one row here: the provider's own names for it and the SCIM attributes as last
written. Rows are never removed: a SCIM DELETE marks one deleted, so a later
read answers 404 while the account, and the username its actor URI carries,
stay.

Lookups take a ``ScimQuery``: equality tests on a fixed set of fields, all of
which must hold. The fields are names of this module, never text from a
request, so no filter a client writes ever reaches SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class ScimToken:
    id: int
    name: str
    digest: str = field(repr=False)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScimUserRow:
    account_id: int
    user_name: str
    external_id: str | None
    # The work email, lower-cased, for ``emails[type eq "work"].value eq`` filters.
    email: str | None
    # The SCIM attributes as last written (JSON text); the service reads and writes it.
    resource: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScimGroupRow:
    account_id: int
    display_name: str
    external_id: str | None
    resource: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class UserField(StrEnum):
    ID = "id"
    USER_NAME = "user_name"  # ignoring case, as RFC 7643 has userName caseExact false
    EXTERNAL_ID = "external_id"  # exact
    EMAIL = "email"  # ignoring case


class GroupField(StrEnum):
    ID = "id"
    DISPLAY_NAME = "display_name"  # ignoring case
    EXTERNAL_ID = "external_id"  # exact


@dataclass(frozen=True, slots=True)
class ScimQuery:
    """``equal``: (field, value) pairs that must all hold; an empty query lists every live row."""

    equal: tuple[tuple[str, str], ...] = ()
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class ScimPage(Generic[RowT]):
    total: int
    rows: Sequence[RowT]


class ScimStore(Protocol):
    async def create_token(self, name: str, digest: str) -> ScimToken:
        """Conflict if a token of that name exists, revoked or not (names are never reused)."""
        ...

    async def token_by_digest(self, digest: str) -> ScimToken | None:
        """The live token with this digest; a revoked one is None."""
        ...

    async def tokens(self) -> Sequence[ScimToken]: ...

    async def revoke_token(self, name: str) -> bool:
        """False if no live token has that name."""
        ...

    async def token_used(self, token_id: int, when: datetime) -> None: ...

    async def add_user(self, row: ScimUserRow) -> None:
        """Conflict if a live SCIM user has the same userName, ignoring case, or the account has a row."""
        ...

    async def user(self, account_id: int) -> ScimUserRow | None:
        """The row, deleted or not."""
        ...

    async def update_user(self, row: ScimUserRow) -> None:
        """Replace the row of ``row.account_id`` (Conflict for a taken userName); its version goes up by one."""
        ...

    async def find_users(self, query: ScimQuery) -> ScimPage[ScimUserRow]:
        """Live rows only, oldest first."""
        ...

    async def add_group(self, row: ScimGroupRow) -> None:
        """Conflict if a live group has the same displayName, ignoring case, or the account has a row."""
        ...

    async def group(self, account_id: int) -> ScimGroupRow | None: ...

    async def update_group(self, row: ScimGroupRow) -> None: ...

    async def find_groups(self, query: ScimQuery) -> ScimPage[ScimGroupRow]: ...

    async def live_user_ids(self, account_ids: Sequence[int]) -> frozenset[int]:
        """Which of these accounts are live SCIM users."""
        ...
