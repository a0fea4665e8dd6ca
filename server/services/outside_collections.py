"""Where the public collections (outbox, followers, following) get their numbers and items.

Outsiders may count only what is theirs to see: published posts, and
relationships with accounts on other servers. Internal follows never show,
not even as a number. These two protocols are that boundary; the
collection views (``server.activitypub.collections``) know nothing else,
and ``collection_sources`` is the one place that binds them to storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from storage.models import Page
from storage.protocols import Storage
from storage.social import FollowStore, StatusStore

Direction = Literal["followers", "following"]


@dataclass(frozen=True, slots=True)
class OutboxPage:
    """Activities, newest first, and the ``max_id`` of the next page (None at the end)."""

    items: Sequence[Mapping[str, Any]] = ()
    next_max_id: int | None = None


@dataclass(frozen=True, slots=True)
class RelationshipPage:
    """Remote actor URIs, newest relationship first, and the ``max_id`` of the next page."""

    items: Sequence[str] = ()
    next_max_id: int | None = None


class PublishedPosts(Protocol):
    async def count(self, account_id: int) -> int:
        """How many of the account's posts are published now (retracted ones excluded)."""
        ...

    async def page(self, account_id: int, *, max_id: int | None, limit: int) -> OutboxPage: ...


class RelationshipCounter(Protocol):
    async def count(self, account_id: int, direction: Direction) -> int:
        """Accepted follows between the account and remote accounts only."""
        ...

    async def page(self, account_id: int, direction: Direction, *, max_id: int | None, limit: int) -> RelationshipPage:
        """Remote accounts only; a local account never appears."""
        ...


class StoredPublishedPosts:
    """Counts from the statuses store.

    Pages stay empty until published posts have an ActivityStreams
    converter; the count alone is what Mastodon shows on a profile.
    """

    def __init__(self, statuses: StatusStore) -> None:
        self._statuses = statuses

    async def count(self, account_id: int) -> int:
        return await self._statuses.count_by_account(account_id, published_only=True)

    async def page(self, account_id: int, *, max_id: int | None, limit: int) -> OutboxPage:
        return OutboxPage()


class StoredOutsideRelationships:
    def __init__(self, follows: FollowStore) -> None:
        self._follows = follows

    async def count(self, account_id: int, direction: Direction) -> int:
        if direction == "followers":
            return await self._follows.count_followers(account_id, remote_only=True)
        return await self._follows.count_following(account_id, remote_only=True)

    async def page(self, account_id: int, direction: Direction, *, max_id: int | None, limit: int) -> RelationshipPage:
        window = Page(limit=limit, max_id=max_id)
        if direction == "followers":
            rows = await self._follows.followers(account_id, window, remote_only=True)
        else:
            rows = await self._follows.following(account_id, window, remote_only=True)
        # The store already filters to remote rows; checking again costs nothing
        # and keeps a store bug from putting a colleague on a public page.
        items = [account.uri for _, account in rows if not account.is_local and account.uri]
        return RelationshipPage(items, rows[-1][0].id if len(rows) == limit else None)


@dataclass(frozen=True, slots=True)
class CollectionSources:
    posts: PublishedPosts
    relationships: RelationshipCounter


def collection_sources(storage: Storage) -> CollectionSources:
    return CollectionSources(StoredPublishedPosts(storage.statuses), StoredOutsideRelationships(storage.follows))
