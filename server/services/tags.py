"""Hashtags an account follows.

A followed tag brings public posts carrying it into the follower's home
feed (see ``Distribution``); nothing about it leaves the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from activitypub.errors import NotFound
from storage.curation import TagFollow
from storage.models import Page, Tag
from storage.protocols import Storage


class TagService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, name: str) -> Tag:
        """A tag some status or follow has used; any other is not found."""
        tag = await self._storage.tag_follows.get_tag(name)
        if tag is None:
            raise NotFound()
        return tag

    async def following(self, account_id: int, tag_ids: Sequence[int]) -> frozenset[int]:
        """Which of ``tag_ids`` the account follows."""
        return await self._storage.tag_follows.following(account_id, tag_ids)

    async def follow(self, account_id: int, name: str, display_name: str) -> Tag:
        """Follow the tag, made on first use; following it again changes nothing."""
        return await self._storage.tag_follows.follow(account_id, name, display_name)

    async def unfollow(self, account_id: int, tag: Tag) -> None:
        await self._storage.tag_follows.unfollow(account_id, tag.id)

    async def followed(self, account_id: int, page: Page) -> Sequence[TagFollow]:
        return await self._storage.tag_follows.followed(account_id, page)
