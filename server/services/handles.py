"""Finding an account by its ``user@domain`` handle.

``resolve=true`` in account search (and search v2) asks for an outside
account that may not be stored yet: WebFinger, then the actor document.
That belongs to federation; until the lead plugs a WebFinger resolver into
``Services.handles``, ``KnownHandles`` answers from the accounts we already
store, so nothing ever reaches the network from a search.
"""

from __future__ import annotations

from typing import Protocol

from storage.models import Account
from storage.protocols import Storage


class HandleResolver(Protocol):
    async def resolve(self, username: str, domain: str) -> Account | None:
        """The outside account with this handle, fetched if need be; None if there is none."""
        ...


class KnownHandles:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def resolve(self, username: str, domain: str) -> Account | None:
        account = await self._storage.accounts.find_remote(username, domain)
        return account if account is not None and account.deleted_at is None else None
