"""Creating and managing local accounts: employees, departments and the company."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from activitypub.errors import Conflict, InvalidInput, NotFound, StorageError
from server.passwords import Passwords
from server.services.keys import new_key_pair
from server.services.validation import check_display_name, check_email, check_username
from storage.models import (
    Account,
    AccountKind,
    MemberRole,
    Membership,
    NewAccount,
    NewUser,
    Role,
    User,
)
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class Employee:
    account: Account
    user: User


async def create_under_free_username(
    storage: Storage, base: str, create: Callable[[str], Awaitable[Account]],
    after_conflict: Callable[[], Awaitable[None]] | None = None,
) -> Account:
    """``create(base)``, else ``base2``, ``base3``...: a username is never given to a second person.

    A username taken between the look and the write (a concurrent creation)
    moves on to the next number, once ``after_conflict`` has had its say.
    """
    for attempt in range(1, 100):
        username = base if attempt == 1 else f"{base[:30 - len(str(attempt))]}{attempt}"
        if await storage.accounts.get_local(username):
            continue
        try:
            return await create(username)
        except Conflict:
            if after_conflict is not None:
                await after_conflict()
    raise Conflict(f"No free username near {base!r}")


class AccountService:
    def __init__(self, storage: Storage, passwords: Passwords) -> None:
        self._storage = storage
        self._passwords = passwords

    async def create_employee(
        self, username: str, email: str, password: str, *, role: Role = Role.STAFF, display_name: str = "",
        local_login: bool = False,
    ) -> Employee:
        """``local_login``: a break-glass account, whose password works even when single sign-on is the only way in."""
        check_username(username)
        email = check_email(email)
        display_name = check_display_name(display_name)
        await self._refuse_taken(username, email)
        password_hash = await self._passwords.hash(password)
        keys = await new_key_pair()
        account = await self._storage.accounts.create_local(
            NewAccount(AccountKind.EMPLOYEE, username, display_name, keys.public_pem, keys.private_pem),
            NewUser(email, password_hash, role, local_login=local_login),
        )
        user = await self._storage.accounts.get_user(account.id)
        if user is None:
            raise StorageError(detail=f"account {account.id} was created without its user")
        return Employee(account, user)

    async def create_organisational(self, kind: AccountKind, username: str, display_name: str) -> Account:
        """A department or the company: no sign-in, visible outside unless an admin hides it."""
        if kind not in (AccountKind.DEPARTMENT, AccountKind.COMPANY):
            raise InvalidInput(f"{kind.value} is not an organisational account")
        check_username(username)
        display_name = display_name.strip()
        if not display_name or len(display_name) > 100:
            raise InvalidInput("A name of 1 to 100 characters is required")
        await self._refuse_taken(username, None)
        keys = await new_key_pair()
        return await self._storage.accounts.create_local(
            NewAccount(kind, username, display_name, keys.public_pem, keys.private_pem, exposed=True)
        )

    async def employee(self, username: str) -> Employee:
        account = await self._storage.accounts.get_local(username)
        user = await self._storage.accounts.get_user(account.id) if account else None
        if account is None or user is None:
            raise NotFound(f"No employee account named {username!r}")
        return Employee(account, user)

    async def list_employees(self) -> Sequence[Employee]:
        return [Employee(account, user) for account, user in await self._storage.accounts.list_users()]

    async def set_role(self, username: str, role: Role) -> Employee:
        employee = await self.employee(username)
        if employee.user.role is Role.ADMIN and role is not Role.ADMIN:
            await self._refuse_last_admin(employee)
        await self._storage.accounts.set_role(employee.account.id, role)
        return await self.employee(username)

    async def reset_password(self, username: str, password: str) -> int:
        """Set a new password and sign the employee out everywhere."""
        employee = await self.employee(username)
        password_hash = await self._passwords.hash(password)
        async with self._storage.transaction():
            await self._storage.accounts.set_password_hash(employee.account.id, password_hash)
            return await self._storage.tokens.revoke_all_for_account(employee.account.id)

    async def rotate_key(self, username: str) -> Account:
        """A new key pair for any local account; peers refetch the key when a signature fails."""
        account = await self._storage.accounts.get_local(username)
        if account is None:
            raise NotFound(f"No local account named {username!r}")
        keys = await new_key_pair()
        await self._storage.accounts.set_keys(account.id, keys.public_pem, keys.private_pem)
        rotated = await self._storage.accounts.get(account.id)
        if rotated is None:  # deleted while its keys were replaced
            raise NotFound(f"No local account named {username!r}")
        return rotated

    async def _refuse_taken(self, username: str, email: str | None) -> None:
        if await self._storage.accounts.get_local(username):
            raise Conflict(f"Username {username!r} is already taken")
        if email and await self._storage.accounts.get_user_by_email(email):
            raise Conflict(f"Email {email!r} is already in use")

    async def _refuse_last_admin(self, employee: Employee) -> None:
        if not employee.user.disabled and await self._storage.accounts.count_admins() <= 1:
            raise Conflict(f"{employee.account.username!r} is the last admin; make another admin first")


class DepartmentService:
    def __init__(self, storage: Storage, accounts: AccountService) -> None:
        self._storage = storage
        self._accounts = accounts

    async def create(self, slug: str, name: str) -> Account:
        return await self._accounts.create_organisational(AccountKind.DEPARTMENT, slug, name)

    async def department(self, slug: str) -> Account:
        account = await self._storage.accounts.get_local(slug)
        if account is None or account.kind is not AccountKind.DEPARTMENT:
            raise NotFound(f"No department named {slug!r}")
        return account

    async def list(self) -> Sequence[tuple[Account, int]]:
        departments = await self._storage.accounts.list_local(AccountKind.DEPARTMENT)
        return [(d, len(await self._storage.departments.members(d.id))) for d in departments]

    async def add_member(self, slug: str, username: str, role: MemberRole = MemberRole.MEMBER) -> Membership:
        department = await self.department(slug)
        employee = await self._accounts.employee(username)
        return await self._storage.departments.set_member(department.id, employee.account.id, role)

    async def remove_member(self, slug: str, username: str) -> None:
        department = await self.department(slug)
        employee = await self._accounts.employee(username)
        if not await self._storage.departments.remove_member(department.id, employee.account.id):
            raise NotFound(f"{username!r} is not a member of {slug!r}")

    async def members(self, slug: str) -> Sequence[tuple[Account, Membership]]:
        department = await self.department(slug)
        result = []
        for membership in await self._storage.departments.members(department.id):
            account = await self._storage.accounts.get(membership.account_id)
            if account is not None:
                result.append((account, membership))
        return result
