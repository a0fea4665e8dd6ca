"""Posting, editing, deleting and boosting inside; publication to the outside is a separate decision.

A status is found through ``visible``, for an account or a ``Reader``: what a
reader may not see is not found, exactly like a missing one, whatever is
asked of it (a token acting as an organisation passes its ``reader``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from activitypub.content import MentionedAccount, RenderedContent, render_status_async
from activitypub.errors import Forbidden, InvalidInput, NotFound, StorageError
from activitypub.uris import Uris
from federation.actor_documents import is_exposed
from server.config import Settings
from server.services.attachments import StatusAttachments
from server.services.boundary_actions import Outbound
from server.services.distribution import Distribution
from server.services.media_removals import QueuedRemovals
from server.services.status_draft import StatusDraft as StatusDraft  # callers name a draft with its service
from storage.media import MediaAttachment
from storage.models import (
    Account,
    AccountKind,
    NewStatus,
    Page,
    Reader,
    Role,
    Status,
    StatusChanges,
    StatusEdit,
    Visibility,
)
from storage.profiles import Preferences
from storage.protocols import Storage

MAX_CHARACTERS = 500
# Told of every status written (after create and edit): the review queue nominates and queues revisions.
AfterWrite = Callable[[Status, Account, bool], Awaitable[None]]
LANGUAGE = re.compile(r"\A[a-z]{2,3}\Z")


@dataclass(frozen=True, slots=True)
class Composed:
    rendered: RenderedContent
    mention_ids: tuple[int, ...]
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Thread:
    """What a reader sees of a status's thread around it, in Mastodon's order."""

    ancestors: list[Status]
    """From the thread's root down to the status's parent."""
    descendants: list[Status]
    """Depth-first, oldest reply first at each level."""


@dataclass(frozen=True, slots=True)
class StatusHistory:
    author: Account
    edits: Sequence[StatusEdit]
    media: Mapping[int, MediaAttachment] = field(default_factory=dict)
    """The status's media by id; a revision shows those of its own still attached (as Mastodon's StatusEdit does)."""


def descendants(root_id: int, thread: Sequence[Status]) -> list[Status]:
    """Depth-first, oldest reply first at each level, as Mastodon orders a thread."""
    children: dict[int, list[Status]] = {}
    for status in thread:
        if status.in_reply_to_id is not None:
            children.setdefault(status.in_reply_to_id, []).append(status)
    ordered = []
    stack = list(reversed(children.get(root_id, [])))
    while stack:
        status = stack.pop()
        ordered.append(status)
        stack.extend(reversed(children.get(status.id, [])))
    return ordered


class StatusService:
    def __init__(
        self, storage: Storage, settings: Settings, distribution: Distribution, outbound: Outbound,
        attachments: StatusAttachments | None = None, after_write: AfterWrite | None = None,
        removals: QueuedRemovals | None = None,
    ) -> None:
        self._after_write = after_write
        self._removals = removals or QueuedRemovals(storage)
        self._storage = storage
        self._settings = settings
        self._distribution = distribution
        self._outbound = outbound
        self._attachments = attachments or StatusAttachments(storage)

    async def visible(self, viewer: Account | Reader, status_id: int) -> Status:
        """The status if the viewer may see it inside; otherwise NotFound, exactly as for a missing one."""
        reader = viewer if isinstance(viewer, Reader) else Reader.own(viewer.id)
        status = await self._storage.statuses.get(status_id)
        if status is None or status_id not in await self._storage.timelines.visible_ids(reader, [status_id]):
            raise NotFound()
        return status

    async def visible_many(self, reader: Reader, status_ids: Sequence[int]) -> list[Status]:
        """Those of ``status_ids`` the reader may see, in the order asked, each once; the rest left out."""
        wanted = list(dict.fromkeys(status_ids))
        seen = set(await self._storage.timelines.visible_ids(reader, wanted))
        found = await self._storage.statuses.get_many([i for i in wanted if i in seen])
        return [found[i] for i in wanted if i in found]

    async def context(self, reader: Reader, status_id: int) -> Thread:
        """The parts of the status's thread the reader may see; a hidden parent ends the ancestors there."""
        status = await self.visible(reader, status_id)
        thread = await self._storage.statuses.thread(status.thread_id)
        visible = await self._storage.timelines.visible_ids(reader, [s.id for s in thread])
        by_id = {s.id: s for s in thread if s.id in visible}
        ancestors: list[Status] = []
        parent_id = status.in_reply_to_id
        while parent_id is not None and parent_id in by_id:
            ancestors.insert(0, by_id[parent_id])
            parent_id = by_id[parent_id].in_reply_to_id
        return Thread(ancestors, descendants(status.id, list(by_id.values())))

    async def history(self, status: Status) -> StatusHistory:
        """A status found ``visible``: its author and its versions, oldest first."""
        author = await self._storage.accounts.get(status.account_id)
        if author is None:
            raise StorageError(detail=f"status {status.id} has no author {status.account_id}")
        attached = await self._storage.media.for_statuses([status.id])
        media = {item.id: item for item in attached.get(status.id, ())}
        return StatusHistory(author, await self._storage.statuses.edits(status.id), media)

    async def favourited_by(self, status: Status, page: Page) -> Sequence[tuple[int, Account]]:
        """Who favourited a status found ``visible``, with the favourite's id to page by."""
        return await self._storage.interactions.favourited_by(status.id, page)

    async def reblogged_by(self, status: Status) -> list[Account]:
        """Who boosted a status found ``visible`` (accounts gone since are left out)."""
        boosts = await self._storage.statuses.reblogs_of(status.id)
        return [a for a in [await self._storage.accounts.get(b.account_id) for b in reversed(boosts)] if a]

    async def posting_preferences(self, author: Account) -> Preferences:
        """The author's defaults for what a client leaves out of a new status."""
        return await self._storage.profiles.preferences(author.id)

    async def create(self, author: Account, draft: StatusDraft, *, reader: Reader | None = None) -> Status:
        """``reader``: whose eyes find the status replied to (the author's own by default)."""
        if draft.idempotency_key:
            earlier = await self._storage.statuses.idempotent(author.id, draft.idempotency_key)
            if earlier is not None and (status := await self._storage.statuses.get(earlier)):
                return status
        parent = await self.visible(reader or author, draft.in_reply_to_id) if draft.in_reply_to_id else None
        composed = await self._compose(author, draft)
        await self._refuse_outside_only_direct(draft.visibility, composed.mention_ids)
        prepared = await self._attachments.prepare(author, draft)
        # The status, its attachments and its whole inside fan-out commit together or not at all.
        async with self._distribution.atomic():
            status = await self._storage.statuses.create(NewStatus(
                account_id=author.id, visibility=draft.visibility, text=draft.text.strip(),
                content=composed.rendered.html, spoiler_text=draft.spoiler_text.strip(), sensitive=draft.sensitive
                or bool(draft.spoiler_text.strip()), language=draft.language,
                in_reply_to_id=parent.id if parent else None,
                in_reply_to_account_id=parent.account_id if parent else None,
                application_id=draft.application_id, mention_ids=composed.mention_ids, tags=composed.tags,
            ))
            await self._attachments.attach(author, status, prepared)
            if draft.idempotency_key:
                await self._storage.statuses.remember_idempotency(author.id, draft.idempotency_key, status.id)
            await self._distribution.status_created(status, author, composed.mention_ids)
            if self._after_write is not None:
                await self._after_write(status, author, False)
        return status

    async def edit(
        self, author: Account, status_id: int, draft: StatusDraft, *, reader: Reader | None = None
    ) -> Status:
        status = await self._own(author, status_id, reader)
        if status.reblog_of_id is not None:
            raise InvalidInput("A boost cannot be edited")
        composed = await self._compose(author, draft)
        prepared = await self._attachments.prepare(author, draft, status.id)
        async with self._storage.transaction():
            edited = await self._storage.statuses.edit(status.id, StatusChanges(
                text=draft.text.strip(), content=composed.rendered.html, spoiler_text=draft.spoiler_text.strip(),
                sensitive=draft.sensitive or bool(draft.spoiler_text.strip()),
                language=draft.language or status.language, mention_ids=composed.mention_ids, tags=composed.tags,
            ))
            await self._attachments.attach(author, edited, prepared)
        await self._distribution.status_edited(edited)
        if edited.is_published and await self._publishes_own_edits(author) \
                and not await self._names_hidden_account(composed.mention_ids):
            edited = await self._storage.statuses.set_publication(
                edited.id, edited.publication_state, epoch=edited.publication_epoch, uri=edited.uri, url=edited.url,
                edit_id=(await self._storage.statuses.edits(edited.id))[-1].id,
            )
            await self._outbound.status_edited(edited)
        if self._after_write is not None:
            await self._after_write(edited, author, True)
        return edited

    async def check(self, author: Account, draft: StatusDraft, *, reader: Reader | None = None) -> None:
        """Refuse now what ``create`` would refuse, for a draft that is posted later (scheduled)."""
        self._check_draft(draft.text.strip(), draft)
        if draft.in_reply_to_id:
            await self.visible(reader or author, draft.in_reply_to_id)
        await self._attachments.prepare(author, draft)

    async def _publishes_own_edits(self, author: Account) -> bool:
        """A publisher's (or admin's) own edit of a published post is published at once; others wait for review.

        So is an edit made as the company or a department (only their publishers can act as them), and one by
        an account an admin trusts with auto-publish.
        """
        if author.is_local and author.kind in (AccountKind.COMPANY, AccountKind.DEPARTMENT):
            return True
        user = await self._storage.accounts.get_user(author.id)
        if user is not None and user.role in (Role.PUBLISHER, Role.ADMIN):
            return True
        setting = (await self._storage.policies.auto_publish([author.id])).get(author.id)
        return setting is not None and setting.enabled

    async def _names_hidden_account(self, mention_ids: tuple[int, ...]) -> bool:
        """Such an edit may not publish itself (it would name the account outside): it waits for review."""
        for account_id in mention_ids:
            account = await self._storage.accounts.get(account_id)
            if account is not None and account.is_local and not is_exposed(account):
                return True
        return False

    async def delete(
        self, author: Account, status_id: int, *, reader: Reader | None = None, delete_media: bool = False
    ) -> Status:
        """Delete the status; its media files go now with ``delete_media``, else after a day for a redraft."""
        status = await self._own(author, status_id, reader)
        audience = await self._storage.follows.local_follower_ids(author.id)
        async with self._storage.transaction():
            await self._storage.statuses.delete(status.id)
            await self._removals.status_deleted(status.id, author.id, at_once=delete_media)
        await self._distribution.status_deleted(status, [author.id, *audience])
        await self._outbound.status_deleted(status)
        return status

    async def reblog(
        self, booster: Account, status_id: int, visibility: Visibility = Visibility.PUBLIC, *,
        reader: Reader | None = None,
    ) -> Status:
        original = await self.visible(reader or booster, status_id)
        if original.reblog_of_id is not None:
            original = await self.visible(reader or booster, original.reblog_of_id)
        if original.visibility in (Visibility.PRIVATE, Visibility.DIRECT):
            raise Forbidden("This action is not allowed")
        existing = await self._storage.statuses.find_reblog(booster.id, original.id)
        if existing is not None:
            return existing
        async with self._distribution.atomic():
            boost = await self._storage.statuses.create(NewStatus(
                account_id=booster.id, visibility=visibility, reblog_of_id=original.id,
            ))
            await self._distribution.status_created(boost, booster, ())
            author = await self._storage.accounts.get(original.account_id)
            if author is not None:
                await self._distribution.notify(author, booster, "reblog", original.id)
        return boost

    async def unreblog(self, booster: Account, status_id: int, *, reader: Reader | None = None) -> Status:
        original = await self.visible(reader or booster, status_id)
        boost = await self._storage.statuses.find_reblog(booster.id, original.id)
        if boost is not None:
            await self._storage.statuses.delete(boost.id)
            followers = await self._storage.follows.local_follower_ids(booster.id)
            await self._distribution.status_deleted(boost, [booster.id, *followers])
        return original

    async def _own(self, author: Account, status_id: int, reader: Reader | None) -> Status:
        """The author's status, if the reader (by default the author) may see it; NotFound otherwise."""
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None or status.account_id != author.id:
            raise NotFound()
        if reader is not None and reader.restricted:
            await self.visible(reader, status_id)
        return status

    async def _compose(self, author: Account, draft: StatusDraft) -> Composed:
        text = draft.text.strip()
        self._check_draft(text, draft)
        mentioned: dict[str, Account] = {}

        async def resolve(username: str, domain: str | None) -> MentionedAccount | None:
            account = await self._resolve_mention(username, domain)
            if account is None:
                return None
            mentioned[str(account.id)] = account
            return MentionedAccount(str(account.id), account.username, account.acct, self._profile_url(account))

        rendered = await render_status_async(
            text, resolve=resolve, tag_base_url=Uris.of(self._settings.base_url).tag(""),
            author=MentionedAccount(str(author.id), author.username, author.acct, self._profile_url(author)),
        )
        mention_ids = tuple(int(m.id) for m in rendered.mentions if int(m.id) != author.id)
        tags = tuple((tag.name, tag.display) for tag in rendered.tags)
        return Composed(rendered, mention_ids, tags)

    def _check_draft(self, text: str, draft: StatusDraft) -> None:
        if not text and not draft.media_ids and "poll" not in draft.extra:
            raise InvalidInput("Validation failed: Text can't be blank")
        if len(text) + len(draft.spoiler_text) > MAX_CHARACTERS:
            raise InvalidInput(f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded")
        if draft.language is not None and not LANGUAGE.match(draft.language):
            raise InvalidInput("Validation failed: Language is not a valid ISO 639 code")

    async def _resolve_mention(self, username: str, domain: str | None) -> Account | None:
        if domain is None or domain.lower() == self._settings.domain.lower():
            return await self._storage.accounts.get_local(username)
        return await self._storage.accounts.find_remote(username, domain)

    async def _refuse_outside_only_direct(self, visibility: Visibility, mention_ids: tuple[int, ...]) -> None:
        """A direct post only to outsiders would silently reach nobody: internal posts never leave."""
        if visibility is not Visibility.DIRECT or not mention_ids:
            return
        for account_id in mention_ids:
            account = await self._storage.accounts.get(account_id)
            if account is not None and account.is_local:
                return
        raise InvalidInput(
            "Direct messages to accounts outside the organisation are not sent: internal posts never leave"
        )

    def _profile_url(self, account: Account) -> str:
        if account.is_local:
            return Uris.of(self._settings.base_url).profile_page(account.username)
        return account.url or account.uri or ""
