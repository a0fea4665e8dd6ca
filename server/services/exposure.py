"""Who is visible outside, and why: derived from the records, never stored as a separate list.

The reasons come from the publication log (a post was published), the
follows and favourites that reached outside accounts, and the admin log
(an admin exposed the account, with a reason). The company is always
visible; a department is visible unless an admin hid it, so "default" is
its reason when nothing else applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.admin import ExposureFact
from storage.models import Account, AccountKind
from storage.protocols import Storage

DEFAULT_CAUSE = {AccountKind.COMPANY: "company", AccountKind.DEPARTMENT: "department"}


@dataclass(frozen=True, slots=True)
class Exposure:
    account: Account
    reasons: Sequence[ExposureFact]
    default_cause: str | None
    """Why the account is visible without any recorded act: it is the company, or a department."""
    remote_followers: int


async def exposed_accounts(storage: Storage, kind: AccountKind | None = None) -> Sequence[Exposure]:
    """Every local account visible outside, with the reasons on record, oldest reason first."""
    accounts = [a for a in await storage.accounts.list_local(kind)
                if a.exposed or a.kind is AccountKind.COMPANY]
    ids = [a.id for a in accounts]
    facts = await storage.admin.exposure_facts(ids)
    followers: dict[int, int] = {}
    for row in await storage.admin.remote_followers_by_domain(ids):
        followers[row.account_id] = followers.get(row.account_id, 0) + row.count
    return [
        Exposure(account, [f for f in facts if f.account_id == account.id], DEFAULT_CAUSE.get(account.kind),
                 followers.get(account.id, 0))
        for account in accounts
    ]
