"""The public HTML pages: an exposed actor's profile with its published posts, and one published post.

The ActivityPub views call these for anything that is not an ActivityPub
``Accept``, after they have resolved the actor or post through the same
lookups as the JSON answer, so a hidden actor or an internal post never
gets this far: it raised the same ``NotFound`` as a missing one.
Nothing on these pages counts anything: no followers, no members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from activitypub.actors import summary_html
from activitypub.content import plain_text_from_html
from activitypub.uris import actor_id, profile_url
from server.web.public_posts import PublicPost, PublicPosts, avatar_url
from server.web.templates import render
from storage.models import Account, Status

if TYPE_CHECKING:
    from server.state import AppState

POSTS_PER_PAGE: Final = 20
DESCRIPTION_LENGTH: Final = 200
PAGE_HEADERS: Final = {
    # No scripts, no frames, no forms; images only from here (avatars and public media).
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none';"
        " frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "max-age=60, public",
    "Vary": "Accept",
}


@dataclass(frozen=True, slots=True)
class OpenGraph:
    site_name: str
    type: str
    title: str
    description: str
    url: str
    image: str | None = None
    published: str | None = None

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.type == "article" and self.image else "summary"


def truncate(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def public_posts(state: AppState) -> PublicPosts:
    return PublicPosts(state.services.public_face, state.services.boundary, state.settings.base_url,
                       state.settings.domain)


def max_id_param(request: Request) -> int | None:
    value = request.query_params.get("max_id", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def feed_url(base_url: str, username: str) -> str:
    return f"{profile_url(base_url, username)}.atom"


async def profile_page(request: Request, account: Account) -> HTMLResponse:
    state: AppState = request.app.state.insideout
    base = state.settings.base_url
    source = public_posts(state)
    posts, next_max_id = await source.by_account(account, max_id=max_id_param(request), limit=POSTS_PER_PAGE)
    author = source.author(account)
    # summary_html escapes the bio itself: only its own <p> and <br /> are markup.
    bio = plain_text_from_html(summary_html(account.public_note))
    og = OpenGraph(state.settings.organization.name, "profile", f"{author.name} ({author.handle})",
                   truncate(bio) or f"Published posts of {author.name}", author.url, author.avatar)
    page = render(
        "profile.html", language="en", title=og.title, og=og, activity_url=actor_id(base, account.username),
        feed_url=feed_url(base, account.username), name=author.name, handle=author.handle, avatar=author.avatar,
        bio=Markup(summary_html(account.public_note)) if account.public_note.strip() else None, posts=posts,
        older_url=f"{author.url}?max_id={next_max_id}" if next_max_id is not None else None,
    )
    link = f'<{actor_id(base, account.username)}>; rel="alternate"; type="application/activity+json"'
    return HTMLResponse(page, headers={**PAGE_HEADERS, "Link": link})


async def post_page(request: Request, status: Status, author: Account) -> HTMLResponse:
    state: AppState = request.app.state.insideout
    source = public_posts(state)
    item = await source.post(status, author)
    replies = await source.replies(status)
    og = OpenGraph(state.settings.organization.name, "article", f"{item.author.name} ({item.author.handle})",
                   truncate(item.summary or item.text) or item.author.name, item.url, _image(item, author, state),
                   item.published_iso)
    title = f"{item.author.name}: {truncate(item.summary or item.text, 60)}"
    page = render(
        "post.html", language=status.language or "en", title=title, og=og, activity_url=item.uri,
        feed_url=feed_url(state.settings.base_url, author.username), item=item, replies=replies,
        parent_url=item.in_reply_to,
    )
    link = f'<{item.uri}>; rel="alternate"; type="application/activity+json"'
    return HTMLResponse(page, headers={**PAGE_HEADERS, "Link": link})


def _image(item: PublicPost, author: Account, state: AppState) -> str | None:
    for media in item.attachments:
        if media.media_type.startswith("image/"):
            return media.url
    return avatar_url(state.settings.base_url, author)
