"""Admins manage accounts: roles, offboarding, and exposure. Every action is written to the admin log.

Roles and offboarding reuse ``AccountService`` (which refuses to remove the
last admin and revokes every token on ``disable``); this layer adds the
audit line and the notice to the employee. Exposure is the flag that lets
an employee or a department be seen outside; setting it needs a reason and
tells the employee; hiding an employee or a department that a published post
names is refused (see ``server.services.hiding``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from activitypub.errors import InvalidInput, NotFound
from server.services.accounts import AccountService
from server.services.admin_log import audit, clean_reason
from server.services.admin_notices import AccountNotices
from server.services.exposure import Exposure, exposed_accounts
from server.services.hiding import refuse_hiding_if_published
from server.services.offboarding import Offboarding
from storage.admin import AccountQuery
from storage.models import Account, AccountKind, Page, ProfileChanges, Role, User
from storage.protocols import Storage

EXPOSED_NOTICE = ("An admin made your public profile (display name, avatar and public bio) visible outside"
                  " the organisation. Reason: {reason}")
HIDDEN_NOTICE = "An admin hid your profile from outside the organisation again."


@dataclass(frozen=True, slots=True)
class ManagedAccount:
    account: Account
    user: User | None


class AdminAccounts:
    def __init__(
        self, storage: Storage, accounts: AccountService, notices: AccountNotices, offboarding: Offboarding
    ) -> None:
        self._storage = storage
        self._accounts = accounts
        self._notices = notices
        self._offboarding = offboarding

    async def find(self, query: AccountQuery, page: Page) -> Sequence[ManagedAccount]:
        ids = await self._storage.admin.account_ids(query, page)
        found = await self._storage.accounts.get_many(ids)
        return [await self.managed(found[i]) for i in ids if i in found]

    async def get(self, account_id: int) -> ManagedAccount:
        account = await self._storage.accounts.get(account_id)
        if account is None:
            raise NotFound()
        return await self.managed(account)

    async def set_role(self, actor: str, account_id: int, role: Role) -> ManagedAccount:
        employee = await self._employee(account_id)
        if employee.user is None:  # _employee refuses accounts without a sign-in
            raise InvalidInput("Only employee accounts (with a sign-in) have roles and can be disabled")
        if employee.user.role is role:
            return employee
        async with self._storage.transaction():
            await self._accounts.set_role(employee.account.username, role)
            await audit(self._storage, actor, "account.role", "account", account_id,
                        before=employee.user.role.value, after=role.value)
        return await self.get(account_id)

    async def disable(self, actor: str, account_id: int, *, reason: str | None = None) -> int:
        """Offboard (server/services/offboarding.py); returns how many tokens, sessions and pushes were revoked."""
        await self._employee(account_id)
        departure = await self._offboarding.depart(account_id, actor=actor, reason=reason)
        return departure.revoked

    async def enable(self, actor: str, account_id: int) -> ManagedAccount:
        await self._employee(account_id)
        await self._offboarding.reinstate(account_id, actor=actor)
        return await self.get(account_id)

    async def expose(self, actor: str, account_id: int, reason: str | None) -> ManagedAccount:
        account = await self._organisation_member(account_id)
        why = clean_reason(reason)
        if why is None:
            raise InvalidInput("A reason is required to expose an account")
        async with self._storage.transaction():
            await self._storage.accounts.update_profile(account.id, ProfileChanges(exposed=True))
            await audit(self._storage, actor, "expose", "account", account_id, reason=why,
                        was_exposed=str(account.exposed).lower())
            await self._notices.tell(account, EXPOSED_NOTICE.format(reason=why))
        return await self.get(account_id)

    async def hide(self, actor: str, account_id: int, reason: str | None) -> ManagedAccount:
        account = await self._organisation_member(account_id)
        async with self._storage.transaction():
            if account.exposed:
                await refuse_hiding_if_published(self._storage, account)
            await self._storage.accounts.update_profile(account.id, ProfileChanges(exposed=False))
            await audit(self._storage, actor, "hide", "account", account_id, reason=reason,
                        was_exposed=str(account.exposed).lower())
            if account.exposed:
                await self._notices.tell(account, HIDDEN_NOTICE)
        return await self.get(account_id)

    async def exposures(self) -> Sequence[Exposure]:
        """Every local account visible outside, with the reasons on record."""
        return await exposed_accounts(self._storage)

    async def managed(self, account: Account) -> ManagedAccount:
        """The account with its sign-in, if it is a local one that has one."""
        user = await self._storage.accounts.get_user(account.id) if account.is_local else None
        return ManagedAccount(account, user)

    async def _employee(self, account_id: int) -> ManagedAccount:
        managed = await self.get(account_id)
        if managed.user is None:
            raise InvalidInput("Only employee accounts (with a sign-in) have roles and can be disabled")
        return managed

    async def _organisation_member(self, account_id: int) -> Account:
        account = (await self.get(account_id)).account
        if account.kind is AccountKind.COMPANY:
            raise InvalidInput("The company is always visible outside")
        if account.kind not in (AccountKind.EMPLOYEE, AccountKind.DEPARTMENT):
            raise InvalidInput("Only employees and departments can be exposed or hidden")
        return account
