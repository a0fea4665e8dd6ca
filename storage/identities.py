"""Organisational identities and the policies around them: records and the store Protocol.

``AutoPublishPolicy`` is an admin's explicit setting for one account (an
employee, a department or the company); an account without one has the
default (on for the company only). ``DepartmentTimeline`` is what a
department's timeline shows. Changes of either are kept in an append-only
log; posts made through an acting-as token are recorded in the audit log
(``publication_log``) with the human behind them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

POSTED_AS_ACTION = "post_as"


class DepartmentTimeline(StrEnum):
    MENTIONS = "mentions"
    MEMBERS = "members"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class AutoPublishPolicy:
    id: int
    account_id: int
    enabled: bool
    set_by: str
    reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyChange:
    id: int
    account_id: int
    setting: str
    value: str
    actor: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PostedAs:
    """An audit line: ``actor`` (a human) posted ``status_id`` as an organisational account."""

    status_id: int
    epoch: int
    actor: str
    reason: str
    detail: Mapping[str, object] = field(default_factory=dict)


class PolicyStore(Protocol):
    async def auto_publish(self, account_ids: Sequence[int]) -> Mapping[int, AutoPublishPolicy]:
        """The explicit settings of these accounts; accounts without one are absent."""
        ...

    async def auto_publish_settings(self) -> Sequence[AutoPublishPolicy]: ...

    async def set_auto_publish(
        self, account_id: int, enabled: bool, *, actor: str, reason: str | None
    ) -> AutoPublishPolicy:
        """Create or change the setting, and log the change."""
        ...

    async def clear_auto_publish(self, account_id: int, *, actor: str, reason: str | None) -> bool:
        """Back to the default; logged. False if there was no setting."""
        ...

    async def department_timeline(self, department_id: int) -> DepartmentTimeline: ...

    async def set_department_timeline(
        self, department_id: int, mode: DepartmentTimeline, *, actor: str
    ) -> None: ...

    async def changes(self, account_id: int | None = None, *, limit: int = 100) -> Sequence[PolicyChange]:
        """Newest first."""
        ...

    async def record_posted_as(self, entry: PostedAs) -> None:
        """Append to the audit log (``publication_log``) that a human posted as an organisation."""
        ...
