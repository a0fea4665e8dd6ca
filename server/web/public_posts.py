"""What the public pages show of posts: the approved revision of published ones, and public replies.

Everything here goes through ``Boundary``: a local post is shown only by
its ``note_for`` (the approved revision, nothing internal), and a reply is
shown only when outsiders may see it anyway: a published local one, or a
public or unlisted one from another server. Every piece of HTML is
sanitised again before it is marked safe, so a rendering bug upstream
cannot put a script on a public page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from markupsafe import Markup

from activitypub.content import plain_text_from_html, sanitize_remote_html
from activitypub.notes import OutsideAttachment, PublishedNote, as_time
from activitypub.uris import Uris, profile_url
from federation.actor_documents import is_exposed
from server.services.boundary import Boundary
from storage.models import Account, PublicationState, Status, Visibility
from storage.protocols import Storage

PUBLIC_REPLY_VISIBILITIES = frozenset({Visibility.PUBLIC, Visibility.UNLISTED})


@dataclass(frozen=True, slots=True)
class PublicAuthor:
    name: str
    handle: str
    url: str
    avatar: str | None


@dataclass(frozen=True, slots=True)
class PublicPost:
    uri: str
    url: str
    author: PublicAuthor
    content: Markup
    text: str
    summary: str | None
    published: datetime
    updated: datetime | None
    attachments: Sequence[OutsideAttachment]
    in_reply_to: str | None

    @property
    def published_iso(self) -> str:
        return as_time(self.published)

    @property
    def published_text(self) -> str:
        return self.published.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")

    @property
    def edited(self) -> bool:
        return self.updated is not None


def avatar_url(base_url: str, account: Account) -> str | None:
    """The public avatar of an exposed local actor, as the actor document names it; None otherwise."""
    path = account.avatar_path
    if not account.is_local or not is_exposed(account) or not path or path.startswith(("http://", "https://")):
        return None
    return Uris.of(base_url).system(path)


def web_url(*candidates: str | None) -> str:
    """The first http(s) URL among a remote object's ``url`` and ``id``: no other scheme becomes a link."""
    for candidate in candidates:
        if candidate and urlsplit(candidate).scheme in ("http", "https"):
            return candidate
    return "#"


def local_author(base_url: str, domain: str, account: Account) -> PublicAuthor:
    return PublicAuthor(account.display_name or account.username, f"@{account.username}@{domain}",
                        profile_url(base_url, account.username), avatar_url(base_url, account))


def from_note(note: PublishedNote, author: PublicAuthor) -> PublicPost:
    content = sanitize_remote_html(note.content)
    return PublicPost(note.uri, note.url, author, Markup(content), plain_text_from_html(content), note.summary,
                      note.published, note.updated, tuple(note.attachments), note.in_reply_to)


class PublicPosts:
    """Published posts and public replies, as the pages and the feed show them."""

    def __init__(self, storage: Storage, boundary: Boundary, base_url: str, domain: str) -> None:
        self._storage = storage
        self._boundary = boundary
        self._base = base_url.rstrip("/")
        self._domain = domain

    def author(self, account: Account) -> PublicAuthor:
        return local_author(self._base, self._domain, account)

    async def post(self, status: Status, author: Account) -> PublicPost:
        return from_note(await self._boundary.note_for(status, author), self.author(author))

    async def by_account(
        self, account: Account, *, max_id: int | None, limit: int
    ) -> tuple[list[PublicPost], int | None]:
        """A page of the account's published posts, newest first, and the ``max_id`` of the next page."""
        statuses = await self._storage.statuses.published_by_account(account.id, max_id=max_id, limit=limit + 1)
        posts = [await self.post(status, account) for status in statuses[:limit]]
        return posts, (statuses[limit - 1].id if len(statuses) > limit else None)

    async def replies(self, status: Status) -> list[PublicPost]:
        """Direct replies outsiders may see, oldest first."""
        found = []
        for reply in await self._storage.statuses.thread(status.thread_id):
            if reply.in_reply_to_id != status.id or reply.deleted_at is not None:
                continue
            if reply.local:
                shown = await self._local_reply(reply)
            else:
                shown = await self._remote_reply(reply)
            if shown is not None:
                found.append(shown)
        return found

    async def _local_reply(self, reply: Status) -> PublicPost | None:
        if reply.publication_state is not PublicationState.PUBLISHED or reply.uri is None:
            return None
        author = await self._storage.accounts.get(reply.account_id)
        if author is None or not is_exposed(author):
            return None
        return await self.post(reply, author)

    async def _remote_reply(self, reply: Status) -> PublicPost | None:
        if reply.visibility not in PUBLIC_REPLY_VISIBILITIES or reply.uri is None or reply.reblog_of_id is not None:
            return None
        author = await self._storage.accounts.get(reply.account_id)
        if author is None or author.is_local:
            return None
        content = sanitize_remote_html(reply.content)
        shown_author = PublicAuthor(author.display_name or author.username, f"@{author.acct}",
                                    web_url(author.url, author.uri), None)
        return PublicPost(reply.uri, web_url(reply.url, reply.uri), shown_author, Markup(content),
                          plain_text_from_html(content), reply.spoiler_text or None, reply.created_at,
                          reply.edited_at, (), None)
