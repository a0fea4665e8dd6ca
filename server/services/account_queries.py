"""Reading accounts for staff: one by id or handle, searches, followers and following, suggestions.

Only stored accounts are read here; finding an outside account over the
network is ``HandleResolver``'s. Followers and following honour
``hide_collections`` for everyone but the owner, which the caller asks
first (``collections_hidden``).
"""

from __future__ import annotations

from collections.abc import Sequence

from activitypub.errors import NotFound
from storage.models import Account, AccountKind, Follow, Page
from storage.protocols import Storage


class AccountQueries:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, account_id: int) -> Account:
        """Any stored account, deleted or not; an unknown id is not found."""
        account = await self._storage.accounts.get(account_id)
        if account is None:
            raise NotFound()
        return account

    async def get_many(self, account_ids: Sequence[int]) -> list[Account]:
        """The stored accounts of ``account_ids``, in the order asked, each once; unknown ids left out."""
        wanted = list(dict.fromkeys(account_ids))
        found = await self._storage.accounts.get_many(wanted)
        return [found[i] for i in wanted if i in found]

    async def lookup(self, username: str, domain: str | None) -> Account:
        """A stored account by handle (``domain`` None: one of ours); a deleted one is not found."""
        found = (await self._storage.accounts.get_local(username) if domain is None
                 else await self._storage.accounts.find_remote(username, domain))
        if found is None or found.deleted_at is not None:
            raise NotFound()
        return found

    async def search(
        self, username: str, domain: str | None, *, limit: int, offset: int, following_of: int | None = None,
    ) -> list[Account]:
        """Accounts whose username or display name starts with ``username`` (exact handle first)."""
        return list(await self._storage.directory.search(
            username, domain, limit=limit, offset=offset, following_of=following_of
        ))

    async def colleagues(self, query: str, *, limit: int, offset: int) -> list[Account]:
        """The people directory: local employees with an enabled login, by username, searched by name."""
        return list(await self._storage.directory.employees(query, limit=limit, offset=offset))

    async def collections_hidden(self, viewer: Account, account: Account) -> bool:
        """Whether ``account`` hides its followers and following from ``viewer`` (never from itself)."""
        return account.id != viewer.id and (await self._storage.profiles.get(account.id)).hide_collections

    async def followers(self, account: Account, page: Page) -> Sequence[tuple[Follow, Account]]:
        return await self._storage.follows.followers(account.id, page)

    async def following(self, account: Account, page: Page) -> Sequence[tuple[Follow, Account]]:
        return await self._storage.follows.following(account.id, page)

    async def familiar_followers(
        self, viewer: Account, account_ids: Sequence[int]
    ) -> list[tuple[int, Sequence[Account]]]:
        """For each known account of ``account_ids``, the accounts the viewer follows that follow it too."""
        found = []
        for account_id in account_ids:
            if await self._storage.accounts.get(account_id) is None:
                continue
            found.append((account_id, await self._storage.directory.familiar_followers(viewer.id, account_id)))
        return found

    async def suggestions(self, viewer: Account, limit: int) -> list[Account]:
        """Colleagues: local accounts the viewer neither follows nor blocks; disabled employees left out."""
        blocked = await self._storage.relationships.blocked_ids(viewer.id)
        found: list[Account] = []
        for account in await self._storage.accounts.list_local():
            if len(found) >= limit:
                break
            if account.id == viewer.id or account.id in blocked:
                continue
            if await self._storage.follows.get(viewer.id, account.id) is not None:
                continue
            if account.kind is AccountKind.EMPLOYEE:
                user = await self._storage.accounts.get_user(account.id)
                if user is None or user.disabled:
                    continue
            found.append(account)
        return found

    async def company(self) -> Account | None:
        """The company account, the instance's public contact; None before one is made."""
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        return companies[0] if companies else None
