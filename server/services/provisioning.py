"""SCIM provisioning (RFC 7643/7644): the identity provider's Users are employees, its Groups departments.

The edge (``server.scim``) parses requests into scim2-models resources; this
service applies them and answers resources. What maps to what:

- A **User** is an employee account plus its ``scim_users`` row. ``userName``
  is the provider's name for the person, the value ``username_claim`` carries
  at sign-in (``server.signin.sso`` matches the two). Our own username is made
  from it once (``alice@corp.example`` gives ``alice``, or ``alice2`` when
  taken) and never changes or goes to another person: its actor URI may be
  known outside. ``displayName`` (else ``name``) is the display name; the
  work email (else the primary, else the first) is the sign-in email, kept in
  step unless another account holds the address. An employee that exists
  already with that email, and is no SCIM user yet, is adopted rather than
  doubled (never a break-glass account). Every other attribute is kept as sent and returned as sent;
  ``password`` never is.
- ``active`` is the account's state. ``active: false`` and DELETE call
  ``Offboarding.depart``, the one door every departure goes through; ``active:
  true`` after SCIM's own ``false`` calls ``Offboarding.reinstate``, which
  restores sign-in but no old token. A DELETE disables and marks the row
  deleted (a later read is 404), and frees the ``userName`` for the provider.
- A **Group** is a department plus its ``scim_groups`` row; a department of the
  same name that no group manages yet is adopted. Its ``members`` are the SCIM
  users among the department's members: members added by the CLI or an admin
  are left alone. A DELETE marks the row deleted and ends the SCIM members'
  memberships; the department, an actor too, stays.

Every change is written to the admin audit log, by ``scim:<token name>``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from scim2_models import (
    Context,
    EnterpriseUser,
    GroupMembership,
    InvalidValueException,
    Meta,
    PatchOp,
    ScimPolicy,
    UniquenessException,
    User,
)

from activitypub.errors import Conflict, NotFound, StorageError
from server.services.accounts import AccountService, create_under_free_username
from server.services.admin_log import audit
from server.services.keys import new_key_pair
from server.services.offboarding import Offboarding
from server.services.scim_filters import user_equalities
from server.services.scim_tokens import ScimCaller
from server.services.validation import username_from_claim
from storage.clock import utcnow
from storage.models import Account, AccountKind, NewAccount, NewUser, ProfileChanges
from storage.protocols import Storage
from storage.scim import ScimQuery, ScimUserRow, UserField

log = logging.getLogger(__name__)

UserResource = User[EnterpriseUser]
# Entra ID and Okta depart from RFC 7644 in known ways; these tolerate them (scim2-models' own switches).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
# Never signs in with a password: verifying this placeholder always fails (it is no hash).
NO_PASSWORD = "!scim"
MAX_PAGE = 200
MAX_DISPLAY_NAME = 100
MAX_NAME = 256
SERVER_ASSIGNED = ("id", "meta", "groups", "password")


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    start_index: int
    resources: Sequence[Any]


def scim_base(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/scim/v2"


def placeholder_email(user_name: str) -> str:
    """A unique address that is never delivered (RFC 2606), for a person the provider gives no email."""
    return f"scim-{hashlib.sha256(user_name.lower().encode()).hexdigest()[:24]}@scim.invalid"


def checked_names(resource: UserResource) -> str:
    """The ``userName``: 1 to 256 characters, none a control character; ``externalId`` likewise."""
    for name, value in (("userName", resource.user_name), ("externalId", resource.external_id)):
        if value is None and name == "externalId":
            continue
        text = str(value or "")
        if not text.strip() or len(text) > MAX_NAME or any(ord(character) < 0x20 for character in text):
            raise InvalidValueException(detail=f"{name} is 1 to {MAX_NAME} characters, none a control character")
    return str(resource.user_name)


def work_email(resource: UserResource) -> str | None:
    """The work email, else the primary one, else the first."""
    emails = [email for email in resource.emails or [] if email.value]
    for chosen in ([e for e in emails if str(e.type or "").lower() == "work"], [e for e in emails if e.primary], emails):
        if chosen:
            return str(chosen[0].value)
    return None


def display_name_of(resource: UserResource) -> str:
    name = resource.display_name or (resource.name.formatted if resource.name else None)
    if not name and resource.name:
        name = " ".join(part for part in (resource.name.given_name, resource.name.family_name) if part)
    return (name or "").strip()[:MAX_DISPLAY_NAME]


def stored_attributes(resource: Any) -> str:
    """What is kept of a resource: everything the provider may write, less what the server assigns."""
    data = resource.model_dump(scim_ctx=Context.DEFAULT)
    for name in SERVER_ASSIGNED:
        data.pop(name, None)
    return json.dumps(data, separators=(",", ":"))


def entity_version(version: int) -> str:
    return f'W/"{version}"'


class ScimUsers:
    def __init__(self, storage: Storage, accounts: AccountService, offboarding: Offboarding, base_url: str) -> None:
        self._storage = storage
        self._accounts = accounts
        self._offboarding = offboarding
        self._base = scim_base(base_url)

    async def create(self, resource: UserResource, caller: ScimCaller) -> UserResource:
        user_name = checked_names(resource)
        await self._refuse_taken(user_name, None)
        email = work_email(resource)
        account_id = await self._adoptable(email)
        now = utcnow()
        row = ScimUserRow(account_id=0, user_name=user_name, external_id=resource.external_id, email=email,
                          resource=stored_attributes(resource), version=1, created_at=now, updated_at=now)
        if account_id is not None:
            async with self._storage.transaction():
                await self._storage.scim.add_user(replace(row, account_id=account_id))
                await audit(self._storage, caller.actor, "scim.user_adopt", "account", account_id, user_name=user_name)
        else:
            account_id = await self._create_account(row, email, display_name_of(resource), caller)
        if resource.active is False:
            await self._offboarding.depart(account_id, actor=caller.actor, reason="SCIM: active false")
        return await self.get(str(account_id))

    async def get(self, user_id: str) -> UserResource:
        row = await self._live_row(user_id)
        return await self._resource(row)

    async def search(self, filter_ast: Any, start_index: int, count: int | None) -> Page:
        limit = MAX_PAGE if count is None else min(max(count, 0), MAX_PAGE)
        page = await self._storage.scim.find_users(ScimQuery(user_equalities(filter_ast), max(start_index, 1) - 1, limit))
        return Page(page.total, max(start_index, 1), [await self._resource(row) for row in page.rows])

    async def replace(self, user_id: str, resource: UserResource, caller: ScimCaller) -> UserResource:
        row = await self._live_row(user_id)
        return await self._write(row, resource, caller)

    async def patch(self, user_id: str, patch: PatchOp[UserResource], caller: ScimCaller) -> UserResource:
        row = await self._live_row(user_id)
        current = await self._resource(row)
        # Apply to what SCIM last said (``active`` included), then write the result as a replacement would.
        current.active = self._scim_active(row)
        patch.patch(current, POLICY)
        return await self._write(row, current, caller)

    async def delete(self, user_id: str, caller: ScimCaller) -> None:
        row = await self._live_row(user_id)
        user = await self._storage.accounts.get_user(row.account_id)
        if user is not None and not user.disabled:
            await self._offboarding.depart(row.account_id, actor=caller.actor, reason="SCIM: deleted")
        async with self._storage.transaction():
            await self._storage.scim.update_user(replace(row, updated_at=utcnow(), deleted_at=utcnow()))
            await audit(self._storage, caller.actor, "scim.user_delete", "account", row.account_id,
                        user_name=row.user_name)

    async def _write(self, row: ScimUserRow, resource: UserResource, caller: ScimCaller) -> UserResource:
        if resource.user_name is None:
            resource.user_name = row.user_name
        user_name = checked_names(resource)
        await self._refuse_taken(user_name, row.account_id)
        was_active = self._scim_active(row)
        account = await self._storage.accounts.get(row.account_id)
        if account is None:
            raise NotFound(detail=f"account {row.account_id} of SCIM user vanished")
        display_name = display_name_of(resource)
        async with self._storage.transaction():
            await self._storage.scim.update_user(replace(
                row, user_name=user_name, external_id=resource.external_id, email=work_email(resource),
                resource=stored_attributes(resource), updated_at=utcnow(),
            ))
            if display_name and display_name != account.display_name:
                await self._storage.accounts.update_profile(row.account_id, ProfileChanges(display_name=display_name))
            await audit(self._storage, caller.actor, "scim.user_update", "account", row.account_id,
                        user_name=user_name)
        await self._apply_active(row.account_id, resource.active, was_active, caller)
        await self._sync_email(row.account_id, work_email(resource), caller)
        return await self.get(str(row.account_id))

    async def _sync_email(self, account_id: int, email: str | None, caller: ScimCaller) -> None:
        """The sign-in email follows the work email; one another account holds stays where it is (logged),
        so that no change of address can block the rest of a write, a departure least of all."""
        user = await self._storage.accounts.get_user(account_id)
        if email is None or user is None or user.email.lower() == email.lower():
            return
        try:
            async with self._storage.transaction():
                await self._storage.accounts.set_email(account_id, email)
                await audit(self._storage, caller.actor, "account.email", "account", account_id,
                            before=user.email, after=email)
        except Conflict:
            log.warning("scim: account %s keeps its email: %s belongs to another account", account_id, email)

    async def _apply_active(self, account_id: int, active: bool | None, was_active: bool, caller: ScimCaller) -> None:
        user = await self._storage.accounts.get_user(account_id)
        if user is None:
            return
        if active is False and not user.disabled:
            await self._offboarding.depart(account_id, actor=caller.actor, reason="SCIM: active false")
        elif active is True and not was_active and user.disabled:
            # Only SCIM's own "false" is undone by its "true": a person disabled here stays so.
            await self._offboarding.reinstate(account_id, actor=caller.actor)

    def _scim_active(self, row: ScimUserRow) -> bool:
        return bool(json.loads(row.resource).get("active", True))

    async def _resource(self, row: ScimUserRow) -> UserResource:
        resource = UserResource.model_validate(json.loads(row.resource), scim_policy=POLICY)
        user = await self._storage.accounts.get_user(row.account_id)
        resource.id = str(row.account_id)
        resource.user_name = row.user_name
        # The account's state, which the CLI and the admin pages change too; left out while SCIM never set it.
        disabled = user is None or user.disabled
        resource.active = False if disabled else (True if resource.active is not None else None)
        resource.groups = await self._groups(row.account_id) or None
        resource.meta = Meta(resource_type="User", created=row.created_at, last_modified=row.updated_at,
                             location=f"{self._base}/Users/{row.account_id}", version=entity_version(row.version))
        return resource

    async def _groups(self, account_id: int) -> list[GroupMembership]:
        memberships = []
        for membership in await self._storage.departments.memberships_of(account_id):
            group = await self._storage.scim.group(membership.department_id)
            if group is not None and group.deleted_at is None:
                memberships.append(GroupMembership.model_validate({
                    "value": str(group.account_id), "display": group.display_name, "type": "direct",
                    "$ref": f"{self._base}/Groups/{group.account_id}",
                }))
        return memberships

    async def _live_row(self, user_id: str) -> ScimUserRow:
        row = await self._storage.scim.user(int(user_id)) if user_id.isdigit() and len(user_id) < 19 else None
        if row is None or row.deleted_at is not None:
            raise NotFound(f"No User with id {user_id[:40]!r}")
        return row

    async def _refuse_taken(self, user_name: str, account_id: int | None) -> None:
        found = await self._storage.scim.find_users(ScimQuery(((UserField.USER_NAME, user_name),), limit=1))
        if any(row.account_id != account_id for row in found.rows):
            raise UniquenessException(detail=f"userName {user_name!r} is taken")

    async def _adoptable(self, email: str | None) -> int | None:
        """An employee with this email that no SCIM user is yet (one made by hand or by a sign-in).

        Never a break-glass account: it must keep working, and stay out of the provider's hands,
        on the day the provider is down or wrong."""
        user = await self._storage.accounts.get_user_by_email(email) if email else None
        if user is None or user.local_login or await self._storage.scim.user(user.account_id) is not None:
            return None
        return user.account_id

    async def _create_account(self, row: ScimUserRow, email: str | None, display_name: str, caller: ScimCaller) -> int:
        keys = await new_key_pair()
        base = username_from_claim(row.user_name)
        if email and await self._storage.accounts.get_user_by_email(email) is not None:
            email = None  # someone else's sign-in address (a departed namesake): never shared
        async def create(username: str) -> Account:
            async with self._storage.transaction():
                account = await self._storage.accounts.create_local(
                    NewAccount(AccountKind.EMPLOYEE, username, display_name, keys.public_pem, keys.private_pem),
                    NewUser(email or placeholder_email(row.user_name), NO_PASSWORD),
                )
                await self._storage.scim.add_user(replace(row, account_id=account.id))
                await audit(self._storage, caller.actor, "scim.user_create", "account", account.id,
                            username=username, user_name=row.user_name)
            return account

        async def same_person_created_meanwhile() -> None:
            await self._refuse_taken(row.user_name, None)

        try:
            account = await create_under_free_username(self._storage, base, create, same_person_created_meanwhile)
        except Conflict as exc:
            raise StorageError(detail=exc.public_message) from exc
        return account.id

