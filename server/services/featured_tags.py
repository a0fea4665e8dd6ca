"""Hashtags an account features on its profile (Mastodon's featured tags).

An account features at most ``MAX_FEATURED_TAGS`` (the number
``/api/v2/instance`` announces); featuring one more is refused with
Mastodon's validation message. Featuring a tag already featured returns
it, as Mastodon does. The counts shown are the account's statuses shared
with all staff: featured tags are read by staff only, and nothing about
them leaves the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from activitypub.content import display_hashtag, normalize_hashtag
from activitypub.errors import InvalidInput, NotFound
from storage.models import Tag
from storage.protocols import Storage
from storage.trends import FeaturedTag

MAX_FEATURED_TAGS: Final = 10
SUGGESTIONS: Final = 10
LIMIT_MESSAGE: Final = "Validation failed: You have already featured the maximum number of hashtags"


class FeaturedTagService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def of(self, account_id: int) -> Sequence[FeaturedTag]:
        return await self._storage.featured_tags.list(account_id)

    async def feature(self, account_id: int, name: str) -> FeaturedTag:
        key = normalize_hashtag(name.removeprefix("#"))
        if not key:
            raise InvalidInput("Validation failed: Tag is invalid")
        shown = display_hashtag(name.removeprefix("#"))
        featured = await self._storage.featured_tags.add(account_id, key, shown or key, MAX_FEATURED_TAGS)
        if featured is None:
            raise InvalidInput(LIMIT_MESSAGE)
        return featured

    async def unfeature(self, account_id: int, featured_id: int) -> None:
        if not await self._storage.featured_tags.remove(account_id, featured_id):
            raise NotFound()

    async def unfeature_tag(self, account_id: int, tag: Tag) -> None:
        """Stop featuring ``tag``; not featuring it already changes nothing (Mastodon's ``/tags/:id/unfeature``)."""
        for featured in await self.of(account_id):
            if featured.tag.id == tag.id:
                await self._storage.featured_tags.remove(account_id, featured.id)

    async def featured_ids(self, account_id: int) -> frozenset[int]:
        """The ids of the tags the account features (a Tag entity's ``featuring``)."""
        return frozenset(featured.tag.id for featured in await self.of(account_id))

    async def suggestions(self, account_id: int) -> Sequence[Tag]:
        return await self._storage.featured_tags.suggestions(account_id, SUGGESTIONS)
