"""One-time links to set a password: an invitation to a new colleague, or a reset an admin hands over.

Only a digest of the link's token is kept; the link itself is shown once,
to the admin who made it. A link works once and only until it expires;
issuing a new one for the same account voids the older ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class LinkPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class NewPasswordLink:
    account_id: int
    digest: str
    purpose: LinkPurpose
    created_by: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PasswordLink:
    id: int
    account_id: int
    digest: str
    purpose: LinkPurpose
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class PasswordLinkStore(Protocol):
    async def add(self, link: NewPasswordLink) -> PasswordLink:
        """Store a new link and void the account's unused older ones, in one transaction."""
        ...

    async def get(self, digest: str) -> PasswordLink | None:
        """The link with this digest, used or not, expired or not."""
        ...

    async def use(self, digest: str, now: datetime) -> PasswordLink | None:
        """Mark the link used if it is unused and unexpired at ``now``; None otherwise (also for a racing second use)."""
        ...

    async def void_for_account(self, account_id: int, now: datetime) -> int:
        """Mark every unused link of the account used; returns how many."""
        ...
