"""Administration: the admin action log, runtime federation rules, report outcomes, and the facts
that exposure and engagement views are derived from.

``admin_actions`` is append-only (triggers refuse UPDATE and DELETE), like
``publication_log``: publication decisions stay there, everything else an
admin decides is a line here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from storage.models import Page


class DomainRuleKind(StrEnum):
    ALLOW = "allow"
    BLOCK = "block"


class ExposureCause(StrEnum):
    PUBLISHED = "published"
    """One of the account's posts was published."""
    FOLLOWED = "followed"
    """The account follows (or asked to follow) an outside account."""
    FAVOURITED = "favourited"
    """The account liked an outside post."""
    ADMIN = "admin"
    """An admin exposed it, with a reason."""


@dataclass(frozen=True, slots=True)
class NewAdminAction:
    actor: str
    action: str
    target_type: str
    target_id: str
    reason: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AdminAction:
    id: int
    actor: str
    action: str
    target_type: str
    target_id: str
    reason: str | None
    detail: Mapping[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DomainRule:
    id: int
    domain: str
    kind: DomainRuleKind
    private_comment: str | None
    public_comment: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FederationRules:
    """What admins set at runtime; ``mode`` None keeps the configured one."""

    mode: str | None = None
    allowed: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportClosure:
    at: datetime
    by: str | None


@dataclass(frozen=True, slots=True)
class ExposureFact:
    """One reason an account is visible outside; ``subject`` names the post, account or status concerned."""

    account_id: int
    cause: ExposureCause
    at: datetime
    subject: str | None = None
    actor: str | None = None
    reason: str | None = None


class EngagementKind(StrEnum):
    REPLY = "reply"
    FAVOURITE = "favourite"
    REBLOG = "reblog"


@dataclass(frozen=True, slots=True)
class PublishedPost:
    status_id: int
    account_id: int
    uri: str | None
    state: str
    published_at: datetime | None
    department_ids: tuple[int, ...]
    """Departments the post was addressed to or announced by."""


@dataclass(frozen=True, slots=True)
class EngagementEvent:
    """One outside reaction to a published post: who (by domain), what, when."""

    status_id: int
    kind: EngagementKind
    domain: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DomainFollowers:
    account_id: int
    domain: str
    count: int


@dataclass(frozen=True, slots=True)
class AccountQuery:
    """Filters of the admin account list; None leaves a filter out."""

    local: bool | None = None
    disabled: bool | None = None
    roles: tuple[str, ...] = ()
    domain: str | None = None
    username: str | None = None


class AdminStore(Protocol):
    async def account_ids(self, query: AccountQuery, page: Page) -> Sequence[int]:
        """Accounts matching ``query``, newest first, paged by id."""
        ...

    async def record_action(self, action: NewAdminAction) -> AdminAction: ...

    async def actions(
        self, *, target_type: str | None = None, target_id: str | None = None, action: str | None = None,
        limit: int = 100, actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
        page: Page | None = None,
    ) -> Sequence[AdminAction]:
        """Newest first; ``page`` (keyset by id, its own limit) replaces ``limit`` when given."""
        ...

    async def domain_rules(self, kind: DomainRuleKind | None = None) -> Sequence[DomainRule]: ...

    async def get_domain_rule(self, rule_id: int) -> DomainRule | None: ...

    async def add_domain_rule(
        self, domain: str, kind: DomainRuleKind, created_by: str, *,
        private_comment: str | None = None, public_comment: str | None = None,
    ) -> DomainRule:
        """Conflict if the domain already has a rule of this kind."""
        ...

    async def remove_domain_rule(self, rule_id: int) -> bool: ...

    async def set_federation_mode(self, mode: str | None, updated_by: str) -> None:
        """None returns to the configured mode."""
        ...

    async def federation_rules(self) -> FederationRules: ...

    async def close_report(self, report_id: int, by: str) -> bool:
        """Close a Flag from outside; False if there is none open with this id."""
        ...

    async def close_staff_report(self, report_id: int, by: str) -> bool: ...

    async def mark_staff_report_forwarded(self, report_id: int) -> bool: ...

    async def report_closures(self, report_ids: Sequence[int]) -> Mapping[int, ReportClosure]:
        """When and by whom each closed report (of either kind) was closed."""
        ...

    async def exposure_facts(self, account_ids: Sequence[int]) -> Sequence[ExposureFact]: ...

    async def published_posts(self) -> Sequence[PublishedPost]:
        """Every local post that is or was published, newest first."""
        ...

    async def engagement(self, status_ids: Sequence[int]) -> Sequence[EngagementEvent]: ...

    async def remote_followers_by_domain(self, account_ids: Sequence[int]) -> Sequence[DomainFollowers]: ...
