"""An Atom feed (RFC 4287) of an exposed actor's published posts: ``/@{username}.atom``, ``/users/{username}.atom``.

Built with ElementTree, so every value is escaped by the serializer; the
entry content is the same sanitised HTML as the page shows, as
``type="html"`` text. An actor without published posts gets a valid,
empty feed dated from its (public) creation day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from xml.etree import ElementTree

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.actors import published_date
from activitypub.notes import as_time
from activitypub.uris import actor_id
from server.web.pages import feed_url, public_posts, truncate
from server.web.public_posts import PublicAuthor, PublicPost
from storage.models import Account

if TYPE_CHECKING:
    from server.state import AppState

ATOM: Final = "http://www.w3.org/2005/Atom"
ATOM_TYPE: Final = "application/atom+xml; charset=utf-8"
ENTRIES: Final = 20
FEED_HEADERS: Final = {"Cache-Control": "max-age=300, public", "X-Content-Type-Options": "nosniff"}


def _sub(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attributes)
    element.text = text
    return element


def feed_document(account: Account, author: PublicAuthor, posts: list[PublicPost], *, base_url: str) -> bytes:
    # Unprefixed names under a default xmlns: no namespace registry (global state) needed.
    feed = ElementTree.Element("feed", xmlns=ATOM)
    self_url = feed_url(base_url, account.username)
    _sub(feed, "id", self_url)
    _sub(feed, "title", f"{author.name} ({author.handle})")
    updated = max((as_time(p.updated or p.published) for p in posts), default=published_date(account.created_at))
    _sub(feed, "updated", updated)
    person = _sub(feed, "author")
    _sub(person, "name", author.name)
    _sub(person, "uri", actor_id(base_url, account.username))
    _sub(feed, "link", rel="alternate", type="text/html", href=author.url)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    if author.avatar:
        _sub(feed, "icon", author.avatar)
    for post in posts:
        _entry(feed, post)
    document: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _entry(feed: ElementTree.Element, post: PublicPost) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", post.uri)
    _sub(entry, "title", truncate(post.summary or post.text, 80) or post.author.name)
    _sub(entry, "link", rel="alternate", type="text/html", href=post.url)
    _sub(entry, "published", post.published_iso)
    _sub(entry, "updated", as_time(post.updated or post.published))
    if post.summary:
        _sub(entry, "summary", post.summary)
    _sub(entry, "content", str(post.content), type="html")
    for media in post.attachments:
        _sub(entry, "link", rel="enclosure", type=media.media_type, href=media.url)


async def feed(request: Request) -> Response:
    state: AppState = request.app.state.insideout
    account = await state.services.public_face.exposed_actor(request.path_params["username"])
    source = public_posts(state)
    posts, _ = await source.by_account(account, max_id=None, limit=ENTRIES)
    body = feed_document(account, source.author(account), posts, base_url=state.settings.base_url)
    return Response(body, media_type=ATOM_TYPE, headers=FEED_HEADERS)


def routes() -> list[BaseRoute]:
    """Listed before the actor routes: ``/@{username}`` would otherwise take ``alice.atom`` as a username."""
    return [
        Route("/@{username}.atom", feed, methods=["GET", "HEAD"]),
        Route("/users/{username}.atom", feed, methods=["GET", "HEAD"]),
    ]
