"""Auto-publish: trusted accounts' public posts cross the boundary the moment they are made.

An admin trusts an account (an employee, a department or the company). Then:

- a PUBLIC post by that account is published at once;
- a PUBLIC post addressed to (mentioning) a trusted department is published at once;
- posts made AS the company follow the company's setting, which is ON unless an admin turns it off
  (only publishers and admins can act as the company, and they may publish anyway).

Publication goes through ``PublicationService.publish`` like any decision, so the audit log names
the setting and the human: ``policy:<setting id> for user:<human id>``. A post that may not be
published (a mention of a hidden colleague, say) just stays internal, for the review queue.
Posts made through an acting-as token are recorded in the audit log with the human behind them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from activitypub.errors import Conflict, InvalidInput, NotFound
from server.services.publication import PublicationService
from storage.identities import AutoPublishPolicy, PolicyChange, PostedAs
from storage.models import Account, AccountKind, Status, Visibility
from storage.protocols import Storage
from storage.review import OPEN_STATES, Decision, ReviewState

log = logging.getLogger(__name__)
COMPANY_DEFAULT = "policy:company-default"


def default_enabled(account: Account) -> bool:
    return account.kind is AccountKind.COMPANY


@dataclass(frozen=True, slots=True)
class Trust:
    """An account's effective auto-publish setting; ``policy`` None means the default applies."""

    account: Account
    enabled: bool
    policy: AutoPublishPolicy | None

    @property
    def label(self) -> str:
        return f"policy:{self.policy.id}" if self.policy is not None else COMPANY_DEFAULT


@dataclass(frozen=True, slots=True)
class TrustOverview:
    """What admins see: the company and every account an admin set, and the latest changes, newest first."""

    trusts: Sequence[Trust]
    changes: Sequence[PolicyChange]


class AutoPublish:
    def __init__(self, storage: Storage, publication: PublicationService) -> None:
        self._storage = storage
        self._publication = publication

    async def trust(self, accounts: Sequence[Account]) -> list[Trust]:
        settings = await self._storage.policies.auto_publish([a.id for a in accounts])
        return [
            Trust(a, settings[a.id].enabled if a.id in settings else default_enabled(a), settings.get(a.id))
            for a in accounts
        ]

    async def overview(self, *, changes: int = 100) -> TrustOverview:
        set_ids = [p.account_id for p in await self._storage.policies.auto_publish_settings()]
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        ids = [*(c.id for c in companies), *(i for i in set_ids if i not in {c.id for c in companies})]
        accounts = await self._storage.accounts.get_many(ids)
        trusts = await self.trust([accounts[i] for i in ids if i in accounts])
        return TrustOverview(trusts, await self._storage.policies.changes(limit=changes))

    async def trustable(self, account_id: int) -> Account:
        """The local account an admin may trust: 404 if there is none, 422 for an outside one."""
        account = await self._storage.accounts.get(account_id)
        if account is None:
            raise NotFound()
        if not account.is_local or account.kind is AccountKind.REMOTE:
            raise InvalidInput("Only local accounts can be trusted to publish")
        return account

    async def set_trust(self, account: Account, enabled: bool, *, actor: str, reason: str | None) -> Trust:
        """An admin's explicit setting; the store logs the change with ``actor``."""
        await self._storage.policies.set_auto_publish(account.id, enabled, actor=actor, reason=reason)
        (trust,) = await self.trust([account])
        return trust

    async def reset_trust(self, account: Account, *, actor: str, reason: str | None) -> Trust:
        """Back to the default (on for the company, off for everyone else); logged like a setting."""
        await self._storage.policies.clear_auto_publish(account.id, actor=actor, reason=reason)
        (trust,) = await self.trust([account])
        return trust

    async def after_post(self, status: Status, author: Account, human: Account) -> Status:
        """Audit a post made as an organisation, then publish it if a policy trusts it."""
        if human.id != author.id:
            await self._storage.policies.record_posted_as(PostedAs(
                status.id, status.publication_epoch, f"user:{human.id} as {author.kind.value}:{author.id}",
                f"posted as {author.kind.value} by user:{human.id}",
                {"human_id": str(human.id), "identity_id": str(author.id), "identity": author.username},
            ))
        trusted = await self._trusted_for(status, author)
        if trusted is None:
            return status
        by = f"{trusted.label} for user:{human.id}"
        try:
            published = await self._publication.publish(
                status.id, by=by, reason=f"auto-publish: @{trusted.account.username} is trusted"
            )
        except (InvalidInput, Conflict) as exc:
            log.info("auto-publish skipped", extra={"status_id": status.id, "reason": exc.public_message})
            return status
        await self._retire_nomination(status.id, by)
        return published

    async def _retire_nomination(self, status_id: int, by: str) -> None:
        """A trusted post that was also nominated (its hashtag) needs no decision any more."""
        item = await self._storage.review.open_for(status_id)
        if item is not None:
            await self._storage.review.decide(item.id, Decision(
                ReviewState.SUPERSEDED, OPEN_STATES, item.edit_id, by, "published by an auto-publish policy"
            ))

    async def _trusted_for(self, status: Status, author: Account) -> Trust | None:
        if status.visibility is not Visibility.PUBLIC or status.reblog_of_id is not None or not author.is_local:
            return None
        (own,) = await self.trust([author])
        if own.enabled:
            return own
        mentioned = (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])
        departments = [
            a for a in (await self._storage.accounts.get_many(list(mentioned))).values()
            if a.kind is AccountKind.DEPARTMENT and a.is_local
        ]
        return next((t for t in await self.trust(sorted(departments, key=lambda d: d.id)) if t.enabled), None)

    async def publishes_own_edits(self, author: Account) -> bool:
        """An auto-publish account's edit of its published post is published at once, like a publisher's."""
        (own,) = await self.trust([author])
        return own.enabled
