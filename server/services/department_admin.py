"""Managing departments: admins do everything; a department's own publishers manage its members and timeline.

Member lists are internal: they are shown only through the admin API to these
people, and never in any ActivityPub collection. Hiding a department
(``exposed`` false) makes it answer 404 everywhere outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.services.accounts import AccountService
from server.services.identities import published_department_ids
from server.services.validation import check_display_name
from server.services.admin_log import audit
from storage.errors import Forbidden, InvalidInput, NotFound
from storage.identities import DepartmentTimeline
from storage.models import Account, AccountKind, Membership, MemberRole, ProfileChanges, Role, User
from storage.protocols import Storage

MAX_PUBLIC_NOTE = 500
NOT_ALLOWED = "Only admins and the department's publishers can manage it"


@dataclass(frozen=True, slots=True)
class Manager:
    """The human managing departments, and the departments they may manage (None: all, as an admin)."""

    human: Account
    user: User
    label: str
    department_ids: frozenset[int] | None

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN and not self.user.disabled

    def may_manage(self, department: Account) -> bool:
        return self.department_ids is None or department.id in self.department_ids


@dataclass(frozen=True, slots=True)
class DepartmentChanges:
    display_name: str | None = None
    public_note: str | None = None
    exposed: bool | None = None
    timeline: DepartmentTimeline | None = None

    @property
    def admin_only(self) -> bool:
        return self.display_name is not None or self.public_note is not None or self.exposed is not None


class DepartmentAdmin:
    def __init__(self, storage: Storage, accounts: AccountService) -> None:
        self._storage = storage
        self._accounts = accounts

    async def manager(self, human: Account, user: User, label: str) -> Manager:
        """403 for anyone who is neither an admin nor a publisher of some department."""
        if user.role is Role.ADMIN and not user.disabled:
            return Manager(human, user, label, None)
        mine = await published_department_ids(self._storage, human.id)
        if user.disabled or not mine:
            raise Forbidden(NOT_ALLOWED)
        return Manager(human, user, label, mine)

    async def listed(self, manager: Manager) -> Sequence[Account]:
        departments = await self._storage.accounts.list_local(AccountKind.DEPARTMENT)
        return sorted((d for d in departments if manager.may_manage(d)), key=lambda d: d.username)

    async def department(self, manager: Manager, department_id: int) -> Account:
        """The department if it exists (404 otherwise) and the manager may manage it (403 otherwise)."""
        account = await self._storage.accounts.get(department_id)
        if account is None or account.kind is not AccountKind.DEPARTMENT or not account.is_local:
            raise NotFound()
        if not manager.may_manage(account):
            raise Forbidden(NOT_ALLOWED)
        return account

    async def create(self, manager: Manager, username: str, display_name: str, changes: DepartmentChanges) -> Account:
        _admin_only(manager)
        department = await self._accounts.create_organisational(AccountKind.DEPARTMENT, username, display_name)
        return await self.update(manager, department, changes)

    async def update(self, manager: Manager, department: Account, changes: DepartmentChanges) -> Account:
        if changes.admin_only:
            _admin_only(manager)
        profile = ProfileChanges(
            display_name=_display_name(changes.display_name), public_note=_public_note(changes.public_note),
            exposed=changes.exposed,
        )
        async with self._storage.transaction():
            if profile != ProfileChanges():
                await self._storage.accounts.update_profile(department.id, profile)
            if changes.timeline is not None:
                await self._storage.policies.set_department_timeline(department.id, changes.timeline,
                                                                     actor=manager.label)
        updated = await self._storage.accounts.get(department.id)
        assert updated is not None
        return updated

    async def members(self, department: Account) -> Sequence[tuple[Account, Membership]]:
        memberships = await self._storage.departments.members(department.id)
        accounts = await self._storage.accounts.get_many([m.account_id for m in memberships])
        return [(accounts[m.account_id], m) for m in memberships if m.account_id in accounts]

    async def set_member(
        self, manager: Manager, department: Account, account_id: int, role: MemberRole
    ) -> Membership:
        """Add an employee, or change a member's role. Losing ``publisher`` ends their acting-as tokens."""
        user = await self._storage.accounts.get_user(account_id)
        if user is None:
            raise InvalidInput("Only employees can be members of a department")
        if user.disabled:
            raise InvalidInput("This employee's login is disabled")
        async with self._storage.transaction():
            membership = await self._storage.departments.set_member(department.id, account_id, role)
            await audit(self._storage, manager.label, "department.member_set", "department", department.id,
                        account_id=str(account_id), role=role.value)
        return membership

    async def change_role(
        self, manager: Manager, department: Account, account_id: int, role: MemberRole
    ) -> Membership:
        if not any(m.account_id == account_id for m in await self._storage.departments.members(department.id)):
            raise NotFound("Not a member of this department")
        return await self.set_member(manager, department, account_id, role)

    async def remove_member(self, manager: Manager, department: Account, account_id: int) -> None:
        async with self._storage.transaction():
            if not await self._storage.departments.remove_member(department.id, account_id):
                raise NotFound("Not a member of this department")
            await audit(self._storage, manager.label, "department.member_removed", "department", department.id,
                        account_id=str(account_id))


def _admin_only(manager: Manager) -> None:
    if not manager.is_admin:
        raise Forbidden("Only admins can create departments, rename them or change their exposure")


def _display_name(value: str | None) -> str | None:
    if value is None:
        return None
    name = check_display_name(value)
    if not name:
        raise InvalidInput("A department needs a display name")
    return name


def _public_note(value: str | None) -> str | None:
    if value is not None and len(value.strip()) > MAX_PUBLIC_NOTE:
        raise InvalidInput(f"The public note is too long (maximum is {MAX_PUBLIC_NOTE} characters)")
    return value.strip() if value is not None else None
