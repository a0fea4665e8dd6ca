"""Who may act as the company or a department, and what a token acting as one may do.

Publishers and admins may act as the company and as any department; a
department's own publishers (their membership role) may act as that
department. An acting-as token binds the human to the identity, and the rule
is asked again on every request, so a lost role ends the token at once.

Through an acting-as token the human speaks as the identity (posts,
replies, boosts, favourites, follows, publication decisions as their role
allows), but two things stay with the admin role:

1. **Settings.** What the organisation shows and who may follow it (names,
   bios, avatar, header, fields, ``locked``, ``discoverable``, posting
   defaults, exposure; blocks, follow requests, removing followers) change
   only for an admin, and every such change is audited
   (``require_settings_right``; profiles go through ``ProfileService``,
   the one writer for the admin API and ``update_credentials`` alike).
2. **Mail.** A direct status of the identity is read through the token only
   if it is the human's own mail too: they wrote it as themselves, or they
   (or a department they belong to) are mentioned in it. An admin reads all
   of it. So a publisher acting as the company reads neither the company's
   notices to employees (publication decisions, decline reasons) nor the
   employees' replies, and a direct post he makes as the company is not
   read back through the token unless it names him. What the token may not
   read is not found, exactly like a missing id, whatever is asked of it
   (``reader_for``; the storage applies it in its one visibility rule, so
   every timeline, thread, notification, conversation, search, stream and
   push inherits it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from activitypub.errors import Forbidden
from server.services.admin_log import audit
from storage.models import AccessToken, Account, AccountKind, MemberRole, Reader, Role, User
from storage.protocols import Storage

ORGANISATIONAL = (AccountKind.COMPANY, AccountKind.DEPARTMENT)
SETTINGS_MESSAGE = "Only admins can change the profile or settings of the company or a department"


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
    if user.role in (Role.PUBLISHER, Role.ADMIN):
        companies = list(await storage.accounts.list_local(AccountKind.COMPANY))
        return [*companies, *await _departments(storage)]
    mine = await published_department_ids(storage, user.account_id)
    return [d for d in await _departments(storage) if d.id in mine] if mine else []


async def _departments(storage: Storage) -> list[Account]:
    return sorted(await storage.accounts.list_local(AccountKind.DEPARTMENT), key=lambda d: d.username)


async def acting_identity(storage: Storage, token: AccessToken, user: User) -> Account | None:
    """The account an acting-as token speaks as, or None once the human may no longer act as it."""
    if token.acting_as_account_id is None:
        return None
    identity = await storage.accounts.get(token.acting_as_account_id)
    if identity is None or not await may_act_as(storage, user, identity):
        return None
    return identity


def is_admin(user: User) -> bool:
    return user.role is Role.ADMIN and not user.disabled


def reader_for(identity: Account, human: Account, user: User) -> Reader:
    """The eyes a token of ``human`` acting as ``identity`` reads with (rule 2 above)."""
    if identity.id == human.id or is_admin(user):
        return Reader.own(identity.id)
    return Reader(identity.id, human.id)


@dataclass(frozen=True, slots=True)
class Editor:
    """Who changes an account's settings: the human behind the request, their sign-in row, and the audit log's name."""

    human: Account
    user: User
    label: str


def require_settings_right(account: Account, editor: Editor) -> None:
    """Rule 1 above: only an admin changes an organisation's settings; anyone else only their own."""
    human, user = editor.human, editor.user
    if is_organisational(account):
        if not is_admin(user):
            raise Forbidden(SETTINGS_MESSAGE, detail=f"user:{human.id} ({user.role.value}) on {account.id}")
    elif account.id != human.id:
        raise Forbidden(SETTINGS_MESSAGE, detail=f"user:{human.id} on someone else's account {account.id}")


@asynccontextmanager
async def settings_change(
    storage: Storage, account: Account, editor: Editor, action: str, **detail: str
) -> AsyncIterator[None]:
    """Rule 1 around a change of ``account``'s settings: refused unless ``editor`` may; an organisation's
    change is written to the admin action log in the transaction that makes it."""
    require_settings_right(account, editor)
    async with storage.transaction():
        yield
        if is_organisational(account):
            await audit(storage, editor.label, action, account.kind.value, account.id, **detail)


async def reader_for_token(storage: Storage, token: AccessToken) -> Reader | None:
    """The eyes of a token read later (a push to its subscription); None once it may read nothing."""
    if token.account_id is None or token.revoked_at is not None:
        return None
    human = await storage.accounts.get(token.account_id)
    user = await storage.accounts.get_user(token.account_id)
    if human is None or user is None or user.disabled:
        return None
    if token.acting_as_account_id is None:
        return Reader.own(human.id)
    identity = await acting_identity(storage, token, user)
    return reader_for(identity, human, user) if identity is not None else None
