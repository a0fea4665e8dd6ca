"""An account's lists of accounts, their members and the list timeline.

As in Mastodon, a member must be followed by the list's owner (or asked to
be); unfollowing drops the account from the owner's lists (the store does
that). Someone else's list is not found, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from activitypub.errors import InvalidInput, NotFound
from storage.curation import AccountList, RepliesPolicy
from storage.models import Account, Page, Reader, Status
from storage.protocols import Storage

NOT_FOLLOWED_MESSAGE: Final = "Validation failed: You must follow an account to add it to a list"


@dataclass(frozen=True, slots=True)
class ListTimeline:
    """A page of a list's timeline: ``ids`` to page by, newest first, and the statuses still there."""

    ids: Sequence[int]
    statuses: list[Status]


class ListService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def owned(self, account_id: int) -> Sequence[AccountList]:
        return await self._storage.lists.owned(account_id)

    async def get(self, account_id: int, list_id: int) -> AccountList:
        found = await self._storage.lists.get(account_id, list_id)
        if found is None:
            raise NotFound()
        return found

    async def create(self, account_id: int, title: str, replies_policy: RepliesPolicy,
                     exclusive: bool) -> AccountList:
        return await self._storage.lists.create(account_id, title, replies_policy, exclusive)

    async def update(self, found: AccountList, title: str, replies_policy: RepliesPolicy,
                     exclusive: bool) -> AccountList:
        return await self._storage.lists.update(found.id, title, replies_policy, exclusive)

    async def delete(self, found: AccountList) -> None:
        await self._storage.lists.delete(found.account_id, found.id)

    async def members(self, found: AccountList, page: Page | None) -> Sequence[tuple[int, Account]]:
        """The members with their membership ids (the cursor); no page is every member."""
        return await self._storage.lists.members(found.id, page)

    async def add_members(self, found: AccountList, account_ids: Sequence[int]) -> None:
        """An unknown account is not found; one the owner does not follow refuses the whole request."""
        for account_id in account_ids:
            if await self._storage.accounts.get(account_id) is None:
                raise NotFound()
        if await self._storage.lists.add_accounts(found.id, account_ids):
            raise InvalidInput(NOT_FOLLOWED_MESSAGE)

    async def remove_members(self, found: AccountList, account_ids: Sequence[int]) -> None:
        await self._storage.lists.remove_accounts(found.id, account_ids)

    async def holding(self, account_id: int, member_id: int) -> Sequence[AccountList]:
        """The lists of ``account_id`` that hold ``member_id``; an unknown member is not found."""
        member = await self._storage.accounts.get(member_id)
        if member is None:
            raise NotFound()
        return await self._storage.lists.with_member(account_id, member.id)

    async def timeline(self, found: AccountList, page: Page, reader: Reader) -> ListTimeline:
        """Read on demand, so a new member's older posts show at once."""
        ids = await self._storage.lists.timeline(found.id, page, reader=reader)
        statuses = await self._storage.statuses.get_many(ids)
        return ListTimeline(ids, [statuses[i] for i in ids if i in statuses])
