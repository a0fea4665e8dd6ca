"""Who may decide about a post's publication: the one rule, ``can_decide``.

Admins and publishers (``users.role``) decide about any public or unlisted
post. A department's own publishers (``department_members.role``) decide
only about posts addressed to (mentioning) that department, and speak for
that department only: they cannot make the company announce.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from activitypub.errors import Forbidden
from storage.models import Account, MemberRole, Role
from storage.protocols import Storage

DECIDE_MESSAGE = ("Only publishers and admins, or publishers of a department the post is addressed to,"
                  " can decide about its publication")
REVIEW_MESSAGE = "Only publishers and admins can use the review queue"
AUDIT_MESSAGE = "Only admins can read the audit log"


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A person (or the CLI) making publication decisions; ``label`` is what the audit log records."""

    label: str
    role: Role
    account: Account | None = None
    department_ids: frozenset[int] = frozenset()
    """Departments this person publishes for."""

    @classmethod
    def cli(cls, os_user: str) -> Reviewer:
        """Whoever runs the CLI holds the server's files and database: an admin."""
        return cls(label=f"cli:{os_user}", role=Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def decides_everything(self) -> bool:
        return self.role in (Role.PUBLISHER, Role.ADMIN)

    @property
    def reviews(self) -> bool:
        return self.decides_everything or bool(self.department_ids)

    def scope(self) -> tuple[int, ...] | None:
        """The departments whose posts this person sees in admin lists; None for all."""
        return None if self.decides_everything else tuple(sorted(self.department_ids))

    def can_decide(self, mentioned_ids: Collection[int]) -> bool:
        return self.decides_everything or any(i in self.department_ids for i in mentioned_ids)

    def can_announce_as(self, account_id: int) -> bool:
        return self.decides_everything or account_id in self.department_ids


async def reviewer_for(storage: Storage, account: Account, role: Role) -> Reviewer:
    """``account`` is the human behind the token, even when the token acts as the company or a department."""
    memberships = await storage.departments.memberships_of(account.id)
    publishes_for = frozenset(m.department_id for m in memberships if m.role is MemberRole.PUBLISHER)
    return Reviewer(label=f"user:{account.id}", role=role, account=account, department_ids=publishes_for)


def require_reviewer(reviewer: Reviewer) -> None:
    if not reviewer.reviews:
        raise Forbidden(REVIEW_MESSAGE)


def require_admin(reviewer: Reviewer) -> None:
    if not reviewer.is_admin:
        raise Forbidden(AUDIT_MESSAGE)
