"""Publishing a status outside, and retracting it: the boundary crossed deliberately.

Publishing sends ``Create{Note}`` from the author to the author's outside
followers (and mentioned outsiders), and ``Announce{object: <Note URI>}``
from each announcer to its outside followers; the Note then becomes
fetchable by anyone. Retracting sends ``Delete{Tombstone}`` and
``Undo{Announce}`` to every inbox the status reached plus the current
outside followers, and the URI answers 410 for good. A later publication
mints a new URI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from activitypub import activities
from activitypub.errors import Conflict, InvalidInput, NotFound, StorageError
from activitypub.notes import as_time, note_document
from activitypub.uris import actor_id
from federation.card_queue import queue_card
from federation.sender import Sender
from server.services.boundary import Boundary, published_uri
from server.services.distribution import Distribution
from server.services.public_media import assign_public_tokens
from server.services.review_notices import AuthorNotices
from storage.models import Account, AccountKind, ProfileChanges, PublicationState, Status
from storage.protocols import Storage


class PublicationService:
    def __init__(
        self, storage: Storage, base_url: str, boundary: Boundary, sender: Sender, distribution: Distribution, *,
        notices: AuthorNotices | None = None,
    ) -> None:
        self._storage = storage
        self._base = base_url
        self._boundary = boundary
        self._sender = sender
        self._distribution = distribution
        self._notices = notices or AuthorNotices(storage, base_url, distribution)

    async def publish(
        self, status_id: int, *, by: str, announcers: Sequence[str] | None = None, reason: str | None = None
    ) -> Status:
        """Publish the latest revision; ``announcers`` are usernames (default: the company and addressed departments)."""
        status, author = await self._load(status_id)
        if status.publication_state is PublicationState.PUBLISHED:
            return await self._approve_revision(status, by=by, reason=reason)
        await self._boundary.check_publishable(status)
        chosen = await self._announcers(status, author, announcers)
        epoch = status.publication_epoch + 1
        latest_edit = (await self._storage.statuses.edits(status.id))[-1]
        uri = published_uri(self._base, author, status.id, epoch)
        # Published means queued for the outside: the state and its deliveries commit together.
        async with self._distribution.atomic():
            if not author.exposed:
                await self._storage.accounts.update_profile(author.id, ProfileChanges(exposed=True))
            published = await self._storage.statuses.set_publication(
                status.id, PublicationState.PUBLISHED, epoch=epoch, uri=uri, url=None, edit_id=latest_edit.id
            )
            await self._storage.publication.record(
                status.id, status.publication_state.value, "published", epoch, by, reason, [a.id for a in chosen]
            )
            await self._media_and_card(published)
            author = await self._require_account(author.id)
            await self._send_create(published, author)
            for announcer in chosen:
                await self._send_announce(published, announcer)
            await self._tell_author(author, published)
        return published

    async def _tell_author(self, author: Account, status: Status) -> None:
        """The author learns that the post, and their public profile, are now visible outside.

        A direct message from the company (a ``mention`` notification every stock client shows, with its text).
        """
        await self._notices.published(author, status)

    async def _approve_revision(self, status: Status, *, by: str, reason: str | None) -> Status:
        """Outsiders keep the approved revision until a newer one is published; then ``Update`` goes out."""
        latest = (await self._storage.statuses.edits(status.id))[-1]
        if latest.id == status.published_edit_id:
            raise Conflict("This post is already published, and it has no newer revision")
        await self._boundary.check_publishable(status)
        announcer_ids = await self._storage.publication.announcer_ids(status.id, status.publication_epoch)
        async with self._storage.transaction():
            updated = await self._storage.statuses.set_publication(
                status.id, PublicationState.PUBLISHED, epoch=status.publication_epoch, uri=status.uri, url=None,
                edit_id=latest.id,
            )
            await self._storage.publication.record(
                status.id, "published", "published", status.publication_epoch, by, reason or "revision approved",
                announcer_ids,
            )
            await self._media_and_card(updated)
            await self.send_update(updated)
        return updated

    async def _media_and_card(self, status: Status) -> None:
        """Public URLs for its media; a preview of its link only now that the post is outside."""
        await assign_public_tokens(self._storage, status.id)
        media = (await self._storage.media.for_statuses([status.id])).get(status.id, ())
        await queue_card(self._storage, status, urlsplit(self._base).netloc, has_media=bool(media))

    async def unpublish(self, status_id: int, *, by: str, reason: str | None = None) -> Status:
        status, author = await self._load(status_id)
        if status.publication_state is not PublicationState.PUBLISHED or status.uri is None:
            raise Conflict("This post is not published")
        announcer_ids = await self._storage.publication.announcer_ids(status.id, status.publication_epoch)
        async with self._storage.transaction():
            retracted = await self._storage.statuses.set_publication(
                status.id, PublicationState.RETRACTED, epoch=status.publication_epoch, uri=status.uri, url=None,
                edit_id=status.published_edit_id,
            )
            await self._storage.publication.record(
                status.id, "published", "retracted", status.publication_epoch, by, reason, announcer_ids
            )
            await self.send_retraction(retracted, author, announcer_ids)
        return retracted

    async def send_retraction(self, status: Status, author: Account, announcer_ids: Sequence[int]) -> None:
        uri = published_uri_of(status)
        reached = await self._storage.deliveries.inboxes_for_object(uri)
        followers = await self._sender.followers_of([author.id, *announcer_ids])
        for activity, signer in await self.retraction(status, author, announcer_ids):
            await self._sender.send(activity, signer, followers, object_uri=uri, extra_inboxes=reached)

    async def retraction(
        self, status: Status, author: Account, announcer_ids: Sequence[int]
    ) -> list[tuple[dict[str, Any], Account]]:
        """What withdraws ``status`` outside, with who signs each: the author's ``Delete``, each ``Undo{Announce}``."""
        uri = published_uri_of(status)
        delete = activities.delete_note(f"{uri}#delete", actor_id(self._base, author.username), uri)
        withdrawn = [(delete, author)]
        for announcer_id in announcer_ids:
            announcer = await self._require_account(announcer_id)
            announce = self._announce_activity(status, announcer)
            undo = activities.undo(f"{announce['id']}/undo", actor_id(self._base, announcer.username), announce)
            withdrawn.append((undo, announcer))
        return withdrawn

    async def send_update(self, status: Status) -> None:
        """``Update{Note}`` of the approved revision to every inbox the status reached and current followers."""
        author = await self._require_account(status.account_id)
        if status.uri is None or status.publication_state is not PublicationState.PUBLISHED:
            return
        note = note_document(await self._boundary.note_for(status, author))
        announcer_ids = await self._storage.publication.announcer_ids(status.id, status.publication_epoch)
        followers = await self._sender.followers_of([author.id, *announcer_ids])
        reached = await self._storage.deliveries.inboxes_for_object(status.uri)
        update = activities.update(f"{status.uri}#updates/{note.get('updated', 'now')}", note["attributedTo"], note)
        await self._sender.send(update, author, followers, object_uri=status.uri, extra_inboxes=reached)

    async def _send_create(self, status: Status, author: Account) -> None:
        uri = published_uri_of(status)
        note = note_document(await self._boundary.note_for(status, author))
        create = activities.create(f"{uri}/activity", note["attributedTo"], note)
        recipients = [*await self._sender.followers_of([author.id]), *await self._remote_mentions(status)]
        await self._sender.send(create, author, recipients, object_uri=uri)

    async def _send_announce(self, status: Status, announcer: Account) -> None:
        uri = published_uri_of(status)
        announce = self._announce_activity(status, announcer)
        await self._sender.send(announce, announcer, await self._sender.followers_of([announcer.id]),
                                object_uri=uri)

    def _announce_activity(self, status: Status, announcer: Account) -> dict[str, Any]:
        uri = published_uri_of(status)
        announcer_uri = actor_id(self._base, announcer.username)
        return activities.announce(
            f"{announcer_uri}/announces/{status.id}-{status.publication_epoch}", announcer_uri, uri,
            followers=f"{announcer_uri}/followers", published=as_time(status.published_at or status.created_at),
        )

    async def _announcers(self, status: Status, author: Account, chosen: Sequence[str] | None) -> list[Account]:
        if chosen is None:
            accounts = list(await self._storage.accounts.list_local(AccountKind.COMPANY))
            mentioned = (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])
            for account_id in mentioned:
                account = await self._storage.accounts.get(account_id)
                if account is not None and account.kind is AccountKind.DEPARTMENT and account.exposed:
                    accounts.append(account)
        else:
            accounts = []
            for username in chosen:
                account = await self._storage.accounts.get_local(username)
                if account is None or account.kind not in (AccountKind.COMPANY, AccountKind.DEPARTMENT):
                    raise InvalidInput(f"{username!r} is not the company or a department")
                if not account.exposed:
                    raise InvalidInput(f"{username!r} is hidden from the outside and cannot announce")
                accounts.append(account)
        # The author never announces their own post: the Create already reached their followers.
        return [a for a in {a.id: a for a in accounts}.values() if a.id != author.id]

    async def _remote_mentions(self, status: Status) -> list[Account]:
        ids = (await self._storage.statuses.mention_ids([status.id])).get(status.id, [])
        accounts = [await self._storage.accounts.get(i) for i in ids]
        return [a for a in accounts if a is not None and not a.is_local]

    async def _load(self, status_id: int) -> tuple[Status, Account]:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            raise NotFound(f"No status {status_id}")
        return status, await self._require_account(status.account_id)

    async def _require_account(self, account_id: int) -> Account:
        account = await self._storage.accounts.get(account_id)
        if account is None:
            raise NotFound()
        return account


def published_uri_of(status: Status) -> str:
    """The URI a published (or once published) status goes out under; a bug if it has none."""
    if status.uri is None:
        raise StorageError(detail=f"status {status.id} has no published URI")
    return status.uri
