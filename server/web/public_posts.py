"""What the public pages show of posts: the approved revision of published ones, and public replies.

Everything here goes through ``Boundary``: a local post is shown only by
its ``note_for`` (the approved revision, nothing internal), and a reply is
shown only when outsiders may see it anyway (``PublicFace.shown_replies``):
a published local one, or a public or unlisted one from another server. Every piece of HTML is
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
from server.services.public_face import PublicFace, ShownReply
from storage.models import Account, Status


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

    def __init__(self, public_face: PublicFace, boundary: Boundary, base_url: str, domain: str) -> None:
        self._public_face = public_face
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
        statuses, next_max_id = await self._public_face.published_by(account, max_id=max_id, limit=limit)
        return [await self.post(status, account) for status in statuses], next_max_id

    async def replies(self, status: Status) -> list[PublicPost]:
        """Direct replies outsiders may see, oldest first."""
        found = []
        for reply in await self._public_face.shown_replies(status):
            found.append(await self.post(reply.status, reply.author) if reply.status.local else remote_reply(reply))
        return found


def remote_reply(reply: ShownReply) -> PublicPost:
    """A reply from another server as it was received, its HTML sanitised again."""
    status, author = reply.status, reply.author
    content = sanitize_remote_html(status.content)
    shown_author = PublicAuthor(author.display_name or author.username, f"@{author.acct}",
                                web_url(author.url, author.uri), None)
    return PublicPost(reply.uri, web_url(status.url, reply.uri), shown_author, Markup(content),
                      plain_text_from_html(content), status.spoiler_text or None, status.created_at,
                      status.edited_at, (), None)
