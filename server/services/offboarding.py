"""A person leaving: one door, shut at once, whoever shuts it (the CLI, an admin, SCIM).

``depart`` does the same thing for every caller. In one transaction it
refuses sign-in, withdraws roles, revokes every access token, web session
and push subscription, and writes the audit entry naming who did it. After
that commit, open streams end: the ``system:<account>`` event closes them in
every process that hears the event bus, and the revocation watch
(``server.revocation_watch``) closes the rest within a second. A single sign-on is
refused because the account is disabled.

Internal posts stay readable to staff. ``[lifecycle] on_departure`` decides
about the published ones: ``keep`` leaves them outside; ``retract`` withdraws
each with the usual Delete and Undo, audited like any retraction.

``reinstate`` restores sign-in only: old tokens and sessions stay revoked.
A username is never freed by leaving, since its actor URI may be known outside.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from activitypub.errors import Conflict, InsideoutError, NotFound
from server.events import Event, EventBus
from server.services.accounts import AccountService, Employee
from server.services.admin_log import audit
from server.services.publication import PublicationService
from storage.instance import InstanceStore
from storage.models import MemberRole, Role
from storage.protocols import Storage

log = logging.getLogger(__name__)

# Bumped by every departure; each server process polls it (server.revocation_watch), so a stream
# opened in a process the event bus does not reach (SQLite beside a CLI) still ends within a second.
REVOCATION_EPOCH = "revocation_epoch"
RETRACTED_PAGE = 100


@dataclass(frozen=True, slots=True)
class Departure:
    employee: Employee
    revoked: int
    retracted: int


async def bump_revocation_epoch(instance: InstanceStore) -> None:
    current = await instance.get_meta(REVOCATION_EPOCH)
    await instance.set_meta(REVOCATION_EPOCH, str(int(current or "0") + 1))


class Offboarding:
    def __init__(
        self, storage: Storage, accounts: AccountService, publication: PublicationService, events: EventBus,
        on_departure: Literal["keep", "retract"] = "keep",
    ) -> None:
        self._storage = storage
        self._accounts = accounts
        self._publication = publication
        self._events = events
        self._on_departure = on_departure

    async def depart(self, account_id: int, *, actor: str, reason: str | None = None) -> Departure:
        """Shut every way in; NotFound for no employee, Conflict for the last admin."""
        employee = await self._employee(account_id)
        if employee.user.role is Role.ADMIN and not employee.user.disabled \
                and await self._storage.accounts.count_admins() <= 1:
            raise Conflict(f"{employee.account.username!r} is the last admin; make another admin first")
        async with self._storage.transaction():
            # Push subscriptions first: the "live" ones are those of an enabled user's unrevoked tokens.
            subscriptions = await self._storage.push.live_for_account(account_id)
            for subscription in subscriptions:
                await self._storage.push.delete(subscription.id)
            await self._storage.accounts.set_disabled(account_id, True)
            if employee.user.role is not Role.STAFF:
                await self._storage.accounts.set_role(account_id, Role.STAFF)
            for membership in await self._storage.departments.memberships_of(account_id):
                if membership.role is MemberRole.PUBLISHER:
                    await self._storage.departments.set_member(membership.department_id, account_id,
                                                               MemberRole.MEMBER)
            revoked = len(subscriptions) + await self._storage.tokens.revoke_all_for_account(account_id)
            await bump_revocation_epoch(self._storage.instance)
            await audit(self._storage, actor, "account.disable", "account", account_id, reason=reason,
                        revoked=str(revoked), on_departure=self._on_departure)
        await self._events.publish([Event(f"system:{account_id}", "offboarded")])
        retracted = await self._retract_published(employee, actor) if self._on_departure == "retract" else 0
        return Departure(await self._employee(account_id), revoked, retracted)

    async def reinstate(self, account_id: int, *, actor: str) -> Employee:
        """Sign-in allowed again; no token or session comes back."""
        await self._employee(account_id)
        async with self._storage.transaction():
            await self._storage.accounts.set_disabled(account_id, False)
            await audit(self._storage, actor, "account.enable", "account", account_id)
        return await self._employee(account_id)

    async def _retract_published(self, employee: Employee, actor: str) -> int:
        retracted, max_id = 0, None
        while page := await self._storage.statuses.published_by_account(employee.account.id, max_id=max_id,
                                                                        limit=RETRACTED_PAGE):
            for status in page:
                try:
                    await self._publication.unpublish(status.id, by=actor, reason="the author left")
                    retracted += 1
                except InsideoutError as exc:
                    log.warning("offboarding: post %s of %s was not retracted: %s", status.id,
                                employee.account.username, exc.public_message)
            max_id = page[-1].id
        return retracted

    async def _employee(self, account_id: int) -> Employee:
        account = await self._storage.accounts.get(account_id)
        if account is None or not account.is_local:
            raise NotFound("No employee account with that id")
        return await self._accounts.employee(account.username)
