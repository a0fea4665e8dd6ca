"""Managing departments: admins do everything; a department's own publishers manage its members and timeline.

Member lists are internal: they are shown only through the admin API to these
people, and never in any ActivityPub collection. Hiding a department
(``exposed`` false) makes it answer 404 everywhere outside. A department's
name, public bio and exposure change through ``ProfileService``, the one
writer of profiles, which refuses anyone but an admin and audits the change,
exactly as for a token acting as the department.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from activitypub.errors import Forbidden, InvalidInput, NotFound
from server.services.accounts import AccountService
from server.services.admin_log import audit
from server.services.field_errors import FieldCheck
from server.services.identities import Editor, published_department_ids
from server.services.profiles import MAX_DISPLAY_NAME, ProfileService, ProfileUpdate
from server.services.validation import check_username
from storage.identities import DepartmentTimeline
from storage.models import Account, AccountKind, MemberRole, Membership, Role, User
from storage.protocols import Storage

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

    @property
    def editor(self) -> Editor:
        return Editor(self.human, self.user, self.label)


@dataclass(frozen=True, slots=True)
class DepartmentChanges:
    display_name: str | None = None
    public_note: str | None = None
    exposed: bool | None = None
    timeline: DepartmentTimeline | None = None
    note: str | None = None
    """The internal description staff see; ``public_note`` is what outsiders see."""

    @property
    def profile(self) -> ProfileUpdate | None:
        """The profile part (admins only, audited), or None when none is asked for."""
        if self.display_name is None and self.public_note is None and self.exposed is None and self.note is None:
            return None
        return ProfileUpdate(display_name=self.display_name, note=self.note, public_note=self.public_note,
                             exposed=self.exposed)


class DepartmentAdmin:
    def __init__(self, storage: Storage, accounts: AccountService, profiles: ProfileService) -> None:
        self._storage = storage
        self._accounts = accounts
        self._profiles = profiles

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
        """A new department; its username (the handle outsiders know) is fixed for good, its name is not."""
        _admin_only(manager)
        username = await self._checked_new(username, display_name)
        department = await self._accounts.create_organisational(AccountKind.DEPARTMENT, username, display_name)
        await audit(self._storage, manager.label, "department.create", "department", department.id,
                    username=department.username, display_name=department.display_name)
        return await self.update(manager, department, changes)

    async def _checked_new(self, username: str, display_name: str) -> str:
        """Each field's refusal, named by its field, all at once."""
        check = FieldCheck()
        username = username.strip().lstrip("@")
        if not username:
            check.refuse("username", "A username is required.")
        elif check.check("username", lambda: check_username(username)) is not None \
                and await self._storage.accounts.get_local(username) is not None:
            check.refuse("username", f"The username {username!r} is taken (usernames are never reused).")
        name = display_name.strip()
        if not name:
            check.refuse("display_name", "A display name is required.")
        elif len(name) > MAX_DISPLAY_NAME:
            check.refuse("display_name", f"The display name is too long (at most {MAX_DISPLAY_NAME} characters).")
        check.raise_any()
        return username

    async def update(self, manager: Manager, department: Account, changes: DepartmentChanges) -> Account:
        async with self._storage.transaction():
            if changes.profile is not None:  # hiding it is refused while published posts name it
                await self._profiles.update(department, changes.profile, manager.editor)
            if changes.timeline is not None:
                await self._storage.policies.set_department_timeline(department.id, changes.timeline,
                                                                     actor=manager.label)
        updated = await self._storage.accounts.get(department.id)
        if updated is None:  # deleted while it was being updated
            raise NotFound()
        return updated

    async def timeline(self, department: Account) -> DepartmentTimeline:
        """What the department's timeline shows: posts addressed to it, its members' posts, or both."""
        return await self._storage.policies.department_timeline(department.id)

    async def local_account(self, username: str) -> Account | None:
        """The local account a manager names to add as a member; ``set_member`` checks it is an employee."""
        return await self._storage.accounts.get_local(username)

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

