"""The timelines: home, everyone inside, a department, a hashtag, a list, bookmarks and favourites.

Each asks the timeline service exactly what ``/api/v1/timelines/...`` asks
it, through the signed-in person's eyes, and renders the API's entities.
``data-stream`` names the streaming channel the page's script listens to
for its "new posts" bar.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from activitypub.content import normalize_hashtag, plain_text_from_html
from activitypub.errors import NotFound
from server.state import app_state as state
from server.web.staff.announcements import banner
from server.web.staff.compose import blank_compose
from server.web.staff.directory import department_panel
from server.web.staff.gate import Person, page
from server.web.staff.i18n import gettext
from server.web.staff.posts import Shown, back_of, older_url, page_from, present, shown, shown_pinned
from storage.models import StatusFilter

T = TypeVar("T")


async def timeline_page(request: Request, person: Person, posts: Shown | Awaitable[Shown], *, heading: str,
                        stream: str | None = None, compose: bool = True, **context: Any) -> Response:
    """``posts`` may still be on its way (a coroutine): the compose box and the queue count are read beside it."""
    back = back_of(request)
    context = {"description": None, "empty": None, **context}
    found, form, waiting = await asyncio.gather(
        _ready(posts), blank_compose(request, person, back) if compose else _ready(None), review_count(request, person))
    return page(
        request, "timeline.html", person=person, heading=heading, statuses=found.statuses, stances=found.stances,
        older_url=found.older_url, back=back, live_stream=stream, compose=form, review_count=waiting, **context,
    )


async def _ready(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value


async def review_count(request: Request, person: Person) -> int:
    """How many items wait in the queue this person reviews (shown in the navigation)."""
    if not person.reviews:
        return 0
    return await state(request).services.review_queries.open_count(person.reviewer)


async def home(request: Request, person: Person) -> Response:
    """Important posts head the first page; active announcements not dismissed are a banner above."""
    services, page_asked = state(request).services, page_from(request)
    ids = await services.timelines.home(person.reader, page_asked)
    pinned = await services.important_posts.home(person.reader, page_asked, ids)
    return await timeline_page(request, person, shown_pinned(request, person, pinned, context="home"),
                               heading=gettext("Home"), stream="user", announcements=await banner(request, person),
                               empty=gettext("Follow colleagues and departments to fill your home timeline."))


async def everyone(request: Request, person: Person) -> Response:
    where = StatusFilter(public_only=True, exclude_reblogs=True, local_only=True)
    ids = await state(request).services.timelines.statuses(person.reader, page_from(request), where)
    return await timeline_page(request, person, shown(request, person, ids), heading=gettext("Everyone inside"),
                               stream="public:local")


async def hashtag(request: Request, person: Person) -> Response:
    tag = normalize_hashtag(request.path_params["name"])
    if not tag:
        raise NotFound(gettext("No such hashtag"))
    where = StatusFilter(public_only=True, exclude_reblogs=True, tag_any=(tag,))
    ids = await state(request).services.timelines.statuses(person.reader, page_from(request), where)
    return await timeline_page(request, person, shown(request, person, ids), heading=f"#{tag}",
                               stream=f"hashtag:{tag}")


async def department(request: Request, person: Person) -> Response:
    services = state(request).services
    found = await services.departments.department(request.path_params["slug"])
    page_asked = page_from(request)
    ids = await services.timelines.department_statuses(person.reader, found, page_asked)
    pinned = await services.important_posts.department(person.reader, found, page_asked, ids)
    return await timeline_page(request, person, await shown_pinned(request, person, pinned),
                               heading=found.display_name or found.username,
                               description=plain_text_from_html(found.note) or None,
                               department=await department_panel(request, person, found))


async def listed(request: Request, person: Person, kind: str, heading: str) -> Response:
    result = await state(request).services.timelines.listed(kind, person.reader, page_from(request))
    entities, stances = await present(request, person, result.statuses)
    return await timeline_page(request, person, Shown(entities, stances, older_url(request, result.cursor_ids)),
                               heading=heading, compose=False)


async def bookmarks(request: Request, person: Person) -> Response:
    return await listed(request, person, "bookmark", gettext("Bookmarks"))


async def favourites(request: Request, person: Person) -> Response:
    return await listed(request, person, "favourite", gettext("Favourites"))


async def one_list(request: Request, person: Person) -> Response:
    services = state(request).services
    raw = request.path_params["id"]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(gettext("No such list"))
    found = await services.lists.get(person.account.id, int(raw))
    result = await services.lists.timeline(found, page_from(request), person.reader)
    entities, stances = await present(request, person, result.statuses)
    return await timeline_page(request, person, Shown(entities, stances, older_url(request, result.ids)),
                               heading=found.title, stream=f"list:{found.id}", compose=False)


async def lists(request: Request, person: Person) -> Response:
    owned = await state(request).services.lists.owned(person.account.id)
    return page(request, "lists.html", person=person, lists=owned)
