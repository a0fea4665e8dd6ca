"""Who may act as which organisational account: the company, or a department.

Publishers and admins may act as the company and as any department; a
department's own publishers (their membership role) may act as that
department. An acting-as token binds the human to the identity, and the rule
is asked again on every request, so a lost role ends the token at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.models import AccessToken, Account, AccountKind, MemberRole, Role, User
from storage.protocols import Storage

ORGANISATIONAL = (AccountKind.COMPANY, AccountKind.DEPARTMENT)


def is_organisational(account: Account) -> bool:
    return account.is_local and account.kind in ORGANISATIONAL


async def may_act_as(storage: Storage, user: User, identity: Account) -> bool:
    """Whether this (enabled) human may speak as ``identity`` right now."""
    if user.disabled or not is_organisational(identity):
        return False
    if user.role in (Role.PUBLISHER, Role.ADMIN):
        return True
    if identity.kind is not AccountKind.DEPARTMENT:
        return False
    return identity.id in await published_department_ids(storage, user.account_id)


async def published_department_ids(storage: Storage, account_id: int) -> frozenset[int]:
    """The departments this employee publishes for (membership role ``publisher``)."""
    memberships = await storage.departments.memberships_of(account_id)
    return frozenset(m.department_id for m in memberships if m.role is MemberRole.PUBLISHER)


async def identities_for(storage: Storage, user: User) -> Sequence[Account]:
    """The organisational accounts this human may act as: the company first, then departments by name."""
    if user.disabled:
        return []
    companies = list(await storage.accounts.list_local(AccountKind.COMPANY))
    departments = sorted(await storage.accounts.list_local(AccountKind.DEPARTMENT), key=lambda d: d.username)
    if user.role in (Role.PUBLISHER, Role.ADMIN):
        return [*companies, *departments]
    mine = await published_department_ids(storage, user.account_id)
    return [d for d in departments if d.id in mine]


async def acting_identity(storage: Storage, token: AccessToken, user: User) -> Account | None:
    """The account an acting-as token speaks as, or None once the human may no longer act as it."""
    if token.acting_as_account_id is None:
        return None
    identity = await storage.accounts.get(token.acting_as_account_id)
    if identity is None or not await may_act_as(storage, user, identity):
        return None
    return identity
