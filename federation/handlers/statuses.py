"""Inbound statuses and reactions: Create, Update, Delete of notes; Like, EmojiReact, Announce and their Undo.

What gets in is narrow on purpose (docs/design.md, "Inbound"): posts of outside
accounts that staff follow, replies to our published posts, and mentions
of staff from accounts they follow. A reply, like or boost aimed at an
internal post is dropped exactly like one aimed at a post that does not
exist. Remote HTML is sanitised before any client can see it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from activitypub.content import normalize_hashtag, sanitize_remote_html
from activitypub.errors import MalformedActivity
from activitypub.normalize import PUBLIC_ALIASES
from activitypub.parse import is_own_uri, parse_object, same_origin
from activitypub.vocab import RemoteNote
from federation.card_queue import queue_card
from federation.handlers.attachments import remote_attachments
from federation.handlers.common import local_username
from federation.inbox import InboxContext, InboxHandlers, NotMine, object_type_is
from federation.media_tokens import new_token as new_media_token
from federation.ports import StatusFanout
from storage.models import Account, FollowState, NewStatus, PublicationState, Status, StatusChanges, Visibility
from storage.protocols import Storage

NOTE_TYPES = ("Note", "Article", "Question", "Page")


class StatusHandlers:
    def __init__(self, distribution: StatusFanout) -> None:
        self._distribution = distribution

    def register(self, handlers: InboxHandlers) -> InboxHandlers:
        notes = object_type_is(*NOTE_TYPES)
        return (
            handlers.on("Create", self.create, when=notes)
            .on("Update", self.update, when=notes)
            .on("Delete", self.delete)
            .on("Like", self.like)
            .on("EmojiReact", self.like)
            .on("Announce", self.announce)
            .on("Undo", self.undo_like_or_announce)
        )

    async def create(self, ctx: InboxContext) -> str:
        note = _embedded_note(ctx)
        ctx.require_same_origin(note.id, "note")
        if note.attributed_to != ctx.activity.actor:
            return "ignored: attributedTo is not the actor"
        if await ctx.storage.statuses.get_by_uri(note.id) is not None:
            return "ignored: already known"
        parent = await ctx.storage.statuses.get_by_uri(note.in_reply_to) if note.in_reply_to else None
        if parent is not None and parent.local and parent.publication_state is not PublicationState.PUBLISHED:
            return "ignored: no such post"  # an internal post, answered as if it did not exist
        mentioned = await self._mentioned_locals(ctx, note)
        welcome = await self._welcome_mentions(ctx.storage, ctx.sender, mentioned)
        if not (parent is not None or await ctx.storage.follows.local_follower_ids(ctx.sender.id) or welcome):
            return "ignored: nobody here follows the sender"
        # With its fan-out, or not at all: a retried activity whose status exists is "already known".
        async with self._distribution.atomic():
            status = await _store(ctx, self._new_status(ctx.sender, note, parent, welcome), note)
            await self._distribution.status_created(status, ctx.sender, [a.id for a in welcome])
            if parent is not None and parent.local:
                author = await ctx.storage.accounts.get(parent.account_id)
                if author is not None and author.id not in {a.id for a in welcome}:
                    await self._distribution.notify(author, ctx.sender, "mention", status.id)
        return f"stored status {status.id}"

    def _new_status(self, sender: Account, note: RemoteNote, parent: Status | None, mentioned: list[Account]) -> NewStatus:
        return NewStatus(
            account_id=sender.id, visibility=_visibility(note, sender), local=False, uri=note.id, url=note.url,
            content=sanitize_remote_html(note.content_html), spoiler_text=note.summary or "",
            sensitive=note.sensitive, language=note.language, in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            in_reply_to_uri=note.in_reply_to if parent is None else None,
            mention_ids=tuple(a.id for a in mentioned),
            tags=tuple((name, tag.name) for tag in note.hashtags if (name := normalize_hashtag(tag.name))),
            created_at=note.published,
        )

    async def _mentioned_locals(self, ctx: InboxContext, note: RemoteNote) -> list[Account]:
        found = []
        for mention in note.mentions:
            username = local_username(mention.href, ctx.base_url)
            account = await ctx.storage.accounts.get_local(username) if username else None
            if account is not None:
                found.append(account)
        return found

    @staticmethod
    async def _welcome_mentions(storage: Storage, sender: Account, mentioned: list[Account]) -> list[Account]:
        """Mentions are kept only for staff who follow the sender: strangers cannot reach in."""
        kept = []
        for account in mentioned:
            follow = await storage.follows.get(account.id, sender.id)
            if follow is not None and follow.state is FollowState.ACCEPTED:
                kept.append(account)
        return kept

    async def update(self, ctx: InboxContext) -> str:
        note = _embedded_note(ctx)
        ctx.require_same_origin(note.id, "note")
        status = await ctx.storage.statuses.get_by_uri(note.id)
        if status is None or status.local or status.account_id != ctx.sender.id:
            return "ignored: unknown status"
        edited = await ctx.storage.statuses.edit(status.id, StatusChanges(
            text="", content=sanitize_remote_html(note.content_html), spoiler_text=note.summary or "",
            sensitive=note.sensitive, language=note.language,
            mention_ids=tuple((await ctx.storage.statuses.mention_ids([status.id])).get(status.id, [])),
            tags=tuple((name, tag.name) for tag in note.hashtags if (name := normalize_hashtag(tag.name))),
        ))
        await self._distribution.status_edited(edited)
        return f"updated status {status.id}"

    async def delete(self, ctx: InboxContext) -> str:
        uri = ctx.activity.object_id
        status = await ctx.storage.statuses.get_by_uri(uri) if uri else None
        if status is None:
            raise NotMine()
        ctx.require_same_origin(uri, "object")
        if status.local or status.account_id != ctx.sender.id:
            return "ignored: not the author"
        await ctx.storage.statuses.delete(status.id)
        audience = await ctx.storage.follows.local_follower_ids(ctx.sender.id)
        await self._distribution.status_deleted(status, audience)
        return f"deleted status {status.id}"

    async def like(self, ctx: InboxContext) -> str:
        status = await _outside_visible(ctx, ctx.activity.object_id)
        if status is None:
            return "ignored: no such post"
        if await ctx.storage.interactions.add("favourite", ctx.sender.id, status.id, uri=ctx.activity.id):
            author = await ctx.storage.accounts.get(status.account_id)
            if author is not None:
                await self._distribution.notify(author, ctx.sender, "favourite", status.id)
        return f"favourited status {status.id}"

    async def announce(self, ctx: InboxContext) -> str:
        object_uri = _announced_object(ctx)
        original = await _outside_visible(ctx, object_uri)
        if original is None and object_uri and not is_own_uri(object_uri, ctx.base_url):
            if not await ctx.storage.follows.local_follower_ids(ctx.sender.id):
                return "ignored: nobody here follows the booster"
            original = await ctx.storage.statuses.get_by_uri(object_uri) or await self._fetch_note(ctx, object_uri)
        if original is None:
            return "ignored: no such post"
        if ctx.activity.id and await ctx.storage.statuses.get_by_uri(ctx.activity.id):
            return "ignored: already known"
        async with self._distribution.atomic():
            boost = await ctx.storage.statuses.create(NewStatus(
                account_id=ctx.sender.id, visibility=Visibility.PUBLIC, local=False, uri=ctx.activity.id,
                reblog_of_id=original.id, created_at=ctx.activity.published,
            ))
            await self._distribution.status_created(boost, ctx.sender, ())
            author = await ctx.storage.accounts.get(original.account_id)
            if author is not None and original.local:
                await self._distribution.notify(author, ctx.sender, "reblog", original.id)
        return f"stored boost {boost.id}"

    async def _fetch_note(self, ctx: InboxContext, uri: str) -> Status | None:
        """Mastodon's way with an Announce: fetch the original from its id, then keep it like any remote post."""
        note = parse_object(await ctx.actors.fetch_object(uri))
        if not same_origin(note.id, note.attributed_to):
            return None
        author = await ctx.actors.resolve(note.attributed_to)
        if not note.is_public:
            return None  # a boost of something not public is nothing we may show
        return await _store(ctx, self._new_status(author, note, None, []), note)

    async def undo_like_or_announce(self, ctx: InboxContext) -> str:
        embedded = ctx.activity.embedded_object or {}
        inner_id = embedded.get("id") if isinstance(embedded, dict) else ctx.activity.object_id
        inner_id = inner_id or ctx.activity.object_id
        if not isinstance(inner_id, str):
            raise NotMine()
        ctx.require_same_origin(inner_id, "undone activity")
        removed = await ctx.storage.interactions.remove_favourite_by_uri(inner_id)
        if removed is not None:
            return f"removed favourite of status {removed[1]}"
        boost = await ctx.storage.statuses.get_by_uri(inner_id)
        if boost is not None and boost.reblog_of_id is not None and boost.account_id == ctx.sender.id:
            await ctx.storage.statuses.delete(boost.id)
            return f"removed boost {boost.id}"
        raise NotMine()


async def _store(ctx: InboxContext, new: NewStatus, note: RemoteNote) -> Status:
    """The status with its attachments and its card fetch, in one transaction: none exists without the others."""
    async with ctx.storage.transaction():
        status = await ctx.storage.statuses.create(new)
        media = await ctx.storage.remote_files.add_attachments(
            status.id, status.account_id, remote_attachments(note.attachments, new_media_token)
        )
        await ctx.storage.statuses.record_media(status.id)  # the first revision shows them in the history
        await queue_card(ctx.storage, status, urlsplit(ctx.base_url).netloc, has_media=bool(media))
    return status


def _embedded_note(ctx: InboxContext) -> RemoteNote:
    """The note a Create or Update carries; ``object_type_is`` let only embedded ones through."""
    embedded = ctx.activity.embedded_object
    if embedded is None:
        raise MalformedActivity("the activity embeds no object")
    return parse_object(embedded)


async def _outside_visible(ctx: InboxContext, uri: str | None) -> Status | None:
    """Our published status with this URI; an internal one is treated exactly as a missing one."""
    status = await ctx.storage.statuses.get_by_uri(uri) if uri else None
    if status is None or status.deleted_at is not None:
        return None
    if status.local and status.publication_state is not PublicationState.PUBLISHED:
        return None
    return status


def _announced_object(ctx: InboxContext) -> str | None:
    """The id of what is boosted; Lemmy's groups announce ``Create{Page}``, whose object is the post.

    Only the id is taken from the wrapper: the post itself is fetched from its own origin.
    """
    embedded = ctx.activity.embedded_object
    if embedded is not None and embedded.get("type") in ("Create", "Update"):
        inner = embedded.get("object")
        if isinstance(inner, dict) and isinstance(inner.get("id"), str):
            return str(inner["id"])
        if isinstance(inner, str):
            return inner
    return ctx.activity.object_id


def _visibility(note: RemoteNote, sender: Account) -> Visibility:
    if any(address in PUBLIC_ALIASES for address in note.to):
        return Visibility.PUBLIC
    if any(address in PUBLIC_ALIASES for address in note.cc):
        return Visibility.UNLISTED
    followers = f"{sender.uri}/followers" if sender.uri else None
    if followers and followers in (*note.to, *note.cc):
        return Visibility.PRIVATE
    return Visibility.DIRECT
