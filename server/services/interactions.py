"""Favourites, bookmarks, pins and thread mutes: small acts on a status someone can see.

``reader`` is whose eyes find the status: the acting account's own by
default, less for a token acting as an organisation (``Reader``).
"""

from __future__ import annotations

from activitypub.errors import InvalidInput
from server.services.boundary_actions import Outbound
from server.services.distribution import Distribution
from server.services.statuses import StatusService
from storage.models import Account, Reader, Status, Visibility
from storage.protocols import Storage

MAX_PINS = 5


class InteractionService:
    def __init__(
        self, storage: Storage, statuses: StatusService, distribution: Distribution, outbound: Outbound
    ) -> None:
        self._storage = storage
        self._statuses = statuses
        self._distribution = distribution
        self._outbound = outbound

    async def favourite(self, account: Account, status_id: int, *, reader: Reader | None = None) -> Status:
        status = await self._original(reader or account, status_id)
        # With its Like, or not at all: the boundary may refuse the activity (a hidden department).
        async with self._distribution.atomic():
            if await self._storage.interactions.add("favourite", account.id, status.id):
                author = await self._storage.accounts.get(status.account_id)
                if author is not None:
                    await self._distribution.notify(author, account, "favourite", status.id)
                await self._outbound.like(account, status)
        return status

    async def unfavourite(self, account: Account, status_id: int, *, reader: Reader | None = None) -> Status:
        status = await self._original(reader or account, status_id)
        if await self._storage.interactions.remove("favourite", account.id, status.id):
            await self._outbound.unlike(account, status)
        return status

    async def bookmark(
        self, account: Account, status_id: int, *, on: bool = True, reader: Reader | None = None
    ) -> Status:
        status = await self._original(reader or account, status_id)
        if on:
            await self._storage.interactions.add("bookmark", account.id, status.id)
        else:
            await self._storage.interactions.remove("bookmark", account.id, status.id)
        return status

    async def pin(self, account: Account, status_id: int, *, on: bool = True, reader: Reader | None = None) -> Status:
        status = await self._statuses.visible(reader or account, status_id)
        if not on:
            await self._storage.interactions.remove("pin", account.id, status.id)
            return status
        if status.account_id != account.id or status.reblog_of_id is not None:
            raise InvalidInput("Validation failed: Only your own posts can be pinned")
        if status.visibility is Visibility.DIRECT:
            raise InvalidInput("Validation failed: Direct messages cannot be pinned")
        if await self._storage.interactions.count_pins(account.id) >= MAX_PINS:
            raise InvalidInput(f"Validation failed: You can pin at most {MAX_PINS} posts")
        await self._storage.interactions.add("pin", account.id, status.id)
        return status

    async def mute_thread(
        self, account: Account, status_id: int, *, on: bool = True, reader: Reader | None = None
    ) -> Status:
        status = await self._statuses.visible(reader or account, status_id)
        if on:
            await self._storage.interactions.mute_thread(account.id, status.thread_id)
        else:
            await self._storage.interactions.unmute_thread(account.id, status.thread_id)
        return status

    async def _original(self, viewer: Account | Reader, status_id: int) -> Status:
        status = await self._statuses.visible(viewer, status_id)
        if status.reblog_of_id is not None:
            return await self._statuses.visible(viewer, status.reblog_of_id)
        return status
