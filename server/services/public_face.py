"""What outsiders may read: exposed actors, published statuses, and the little that is told about them.

Every outside view (ActivityPub documents, WebFinger, the inbox's
recipient, HTML pages, feeds) resolves through here, so "hidden" and
"never existed" cannot drift apart: both raise the same ``NotFound`` with
no detail. Which statuses and media are public is ``Boundary``'s rule;
this service asks it and adds the lookups around it. Counts and lists
shown outside name outside activity only: inside favourites, boosts and
follows are nobody's business outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from activitypub.errors import Gone, NotFound
from activitypub.uris import Uris
from federation.actor_documents import is_exposed
from federation.instance_actor import InstanceActor, load_or_create_instance_actor
from server.services.boundary import Boundary
from server.services.outside_collections import CollectionSources, collection_sources
from server.services.validation import USERNAME
from storage.models import Account, PublicationState, Status, Visibility
from storage.protocols import Storage

PUBLIC_REPLY_VISIBILITIES: Final = frozenset({Visibility.PUBLIC, Visibility.UNLISTED})


@dataclass(frozen=True, slots=True)
class ShownReply:
    """A reply the public pages may show; ``uri`` is the reply's own, never missing."""

    status: Status
    author: Account
    uri: str


class PublicFace:
    def __init__(self, storage: Storage, boundary: Boundary, base_url: str) -> None:
        self._storage = storage
        self._boundary = boundary
        self._base = base_url
        self._uris = Uris.of(base_url)
        self.collections: CollectionSources = collection_sources(storage)

    async def exposed_actor(self, username: str) -> Account:
        """The exposed local actor called ``username`` (any case).

        A deleted account will answer ``Gone`` from here, once deletion exists;
        every caller already passes the error through unchanged.
        """
        if not USERNAME.match(username):
            raise NotFound()
        account = await self._storage.accounts.get_local(username)
        if account is None or not is_exposed(account):
            raise NotFound()
        return account

    async def instance_actor(self) -> InstanceActor:
        return await load_or_create_instance_actor(self._storage, self._base)

    async def published_status(self, username: str, ref: str) -> tuple[Status, Account]:
        """The published status at ``/users/{username}/statuses/{ref}`` and its author.

        A retracted one is ``Gone`` for good; an internal one is ``NotFound``,
        as a status that never existed.
        """
        uri = self._uris.status(username, ref)
        status = await self._boundary.outside_status(uri)
        if status is None:
            if await self._boundary.retracted_status(uri) is not None:
                raise Gone()
            raise NotFound()
        author = await self._storage.accounts.get(status.account_id)
        if author is None or author.username.lower() != username.lower():
            raise NotFound()
        return status, author

    async def reply_uris(self, status: Status) -> list[str]:
        """Replies outsiders may know of: published local ones, and public or unlisted ones from outside."""
        thread = await self._storage.statuses.thread(status.thread_id)
        return [
            reply.uri for reply in thread
            if reply.in_reply_to_id == status.id and reply.deleted_at is None and reply.uri
            and (reply.publication_state is PublicationState.PUBLISHED if reply.local
                 else reply.visibility in PUBLIC_REPLY_VISIBILITIES)
        ]

    async def outside_likes(self, status: Status) -> int:
        """Favourites by accounts on other servers only."""
        return (await self._storage.interactions.interactors([status.id])).get(status.id, 0)

    async def outside_shares(self, status: Status) -> int:
        """Boosts by accounts on other servers only."""
        outside = 0
        for boost in await self._storage.statuses.reblogs_of(status.id):
            booster = await self._storage.accounts.get(boost.account_id)
            outside += booster is not None and not booster.is_local
        return outside

    async def published_by(
        self, account: Account, *, max_id: int | None, limit: int
    ) -> tuple[Sequence[Status], int | None]:
        """A page of the account's published posts, newest first, and the ``max_id`` of the next page."""
        statuses = await self._storage.statuses.published_by_account(account.id, max_id=max_id, limit=limit + 1)
        return statuses[:limit], (statuses[limit - 1].id if len(statuses) > limit else None)

    async def shown_replies(self, status: Status) -> list[ShownReply]:
        """Direct replies the public pages show, oldest first, with their authors.

        A local reply must be published, by an exposed actor; a remote one
        public or unlisted, not a boost, and by an account of another server.
        """
        found = []
        for reply in await self._storage.statuses.thread(status.thread_id):
            if reply.in_reply_to_id != status.id or reply.deleted_at is not None:
                continue
            author = await (self._local_reply_author(reply) if reply.local else self._remote_reply_author(reply))
            if author is not None and reply.uri is not None:
                found.append(ShownReply(reply, author, reply.uri))
        return found

    async def _local_reply_author(self, reply: Status) -> Account | None:
        if reply.publication_state is not PublicationState.PUBLISHED or reply.uri is None:
            return None
        author = await self._storage.accounts.get(reply.account_id)
        return author if author is not None and is_exposed(author) else None

    async def _remote_reply_author(self, reply: Status) -> Account | None:
        if reply.visibility not in PUBLIC_REPLY_VISIBILITIES or reply.uri is None or reply.reblog_of_id is not None:
            return None
        author = await self._storage.accounts.get(reply.account_id)
        return author if author is not None and not author.is_local else None
