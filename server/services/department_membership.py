"""Departments as staff see them: the directory, who belongs where, and joining or leaving one yourself.

Membership decides who reads a department's mail (a mention of the
department reaches its members) and, with the ``publisher`` role, who
speaks for it, so it is an admin's or the department's publishers'
decision (``DepartmentAdmin``), or the identity provider's (SCIM groups).
Only the departments the settings open, ``[organization] open_departments``
(their usernames, or ``"*"`` for all), may be joined and left by staff
themselves; none are open by default. Joining makes a ``member``, never a
publisher; a publisher does not leave here (an admin changes the role
first), so self-service never changes who may speak for a department. Both
are written to the admin action log like an admin's membership change.
With SCIM provisioning the provider's next sync of a group wins.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

from activitypub.errors import Forbidden, NotFound
from server.services.admin_log import audit
from storage.models import Account, AccountKind, MemberRole, Membership, User
from storage.protocols import Storage

EVERY_DEPARTMENT: Final = "*"
CLOSED_MESSAGE: Final = "Members of this department are chosen by its publishers and admins; ask one of them."
PUBLISHER_MESSAGE: Final = "You publish for this department: ask an admin to change your role before you leave."
NOT_A_MEMBER: Final = "You are not a member of this department."


@dataclass(frozen=True, slots=True)
class Listing:
    """One department of the directory: its account, how many belong to it, and whether staff join it freely."""

    department: Account
    member_count: int
    open: bool


class DepartmentMembership:
    def __init__(self, storage: Storage, open_departments: Collection[str]) -> None:
        self._storage = storage
        self._open = frozenset(name.lower() for name in open_departments)

    def is_open(self, department: Account) -> bool:
        return EVERY_DEPARTMENT in self._open or department.username.lower() in self._open

    async def department(self, slug: str) -> Account:
        account = await self._storage.accounts.get_local(slug)
        if account is None or account.kind is not AccountKind.DEPARTMENT or account.deleted_at is not None:
            raise NotFound("There is no department by that name.")
        return account

    async def directory(self) -> Sequence[Listing]:
        """Every department, by name, with its member count."""
        departments = await self._storage.accounts.list_local(AccountKind.DEPARTMENT)
        listed = [Listing(d, len(await self._storage.departments.members(d.id)), self.is_open(d))
                  for d in departments if d.deleted_at is None]
        return sorted(listed, key=lambda item: (item.department.display_name or item.department.username).lower())

    async def members(self, department: Account) -> Sequence[tuple[Account, Membership]]:
        """The members, publishers first, then by name."""
        memberships = await self._storage.departments.members(department.id)
        accounts = await self._storage.accounts.get_many([m.account_id for m in memberships])
        found = [(accounts[m.account_id], m) for m in memberships if m.account_id in accounts]
        return sorted(found, key=lambda pair: (pair[1].role is not MemberRole.PUBLISHER,
                                               (pair[0].display_name or pair[0].username).lower()))

    async def membership(self, department: Account, account: Account) -> Membership | None:
        return next((m for m in await self._storage.departments.memberships_of(account.id)
                     if m.department_id == department.id), None)

    async def departments_of(self, account: Account) -> Sequence[Account]:
        """The departments ``account`` belongs to, by name (none for anyone but a local employee)."""
        if not account.is_local or account.kind is not AccountKind.EMPLOYEE:
            return []
        memberships = await self._storage.departments.memberships_of(account.id)
        found = await self._storage.accounts.get_many([m.department_id for m in memberships])
        return sorted(found.values(), key=lambda d: (d.display_name or d.username).lower())

    async def join(self, account: Account, user: User, department: Account) -> Membership:
        """As a ``member``; already a member (or publisher), nothing changes."""
        if not self.is_open(department):
            raise Forbidden(CLOSED_MESSAGE)
        if user.disabled or user.account_id != account.id:
            raise Forbidden(CLOSED_MESSAGE)
        existing = await self.membership(department, account)
        if existing is not None:
            return existing
        async with self._storage.transaction():
            joined = await self._storage.departments.set_member(department.id, account.id, MemberRole.MEMBER)
            await audit(self._storage, f"user:{account.id}", "department.member_joined", "department", department.id,
                        account_id=str(account.id))
        return joined

    async def leave(self, account: Account, department: Account) -> None:
        if not self.is_open(department):
            raise Forbidden(CLOSED_MESSAGE)
        existing = await self.membership(department, account)
        if existing is None:
            raise NotFound(NOT_A_MEMBER)
        if existing.role is MemberRole.PUBLISHER:
            raise Forbidden(PUBLISHER_MESSAGE)
        async with self._storage.transaction():
            await self._storage.departments.remove_member(department.id, account.id)
            await audit(self._storage, f"user:{account.id}", "department.member_left", "department", department.id,
                        account_id=str(account.id))


__all__ = ["DepartmentMembership", "Listing"]
