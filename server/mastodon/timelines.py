"""Timelines: home, public, hashtag, department, and the viewer's bookmarks and favourites."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.content import normalize_hashtag
from server.edge.dates import format_datetime
from server.edge.pagination import page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from server.services.important_posts import Pinned
from storage.models import StatusFilter


async def _respond(request: Request, viewer: Viewer, ids: Sequence[int], context: str = "public") -> Response:
    """``context`` is the filter context (Mastodon's): statuses a hiding filter matches are left out."""
    app = state(request)
    ordered = await app.services.timelines.in_order(ids)
    return paged(request, await app.presenter.statuses(ordered, viewer.account, context=context), ids)


async def _respond_pinned(request: Request, viewer: Viewer, pinned: Pinned, context: str = "public") -> Response:
    """Important posts first, marked ``important_until``; the page cursor stays the regular items'."""
    app = state(request)
    ordered = await app.services.timelines.in_order(pinned.shown)
    entities = await app.presenter.statuses(ordered, viewer.account, context=context)
    until = pinned.until
    for entity in entities:
        if int(entity["id"]) in until:
            entity["important_until"] = format_datetime(until[int(entity["id"])])
    return paged(request, entities, pinned.regular)


async def home(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    page = page_of(await read_params(request))
    services = state(request).services
    ids = await services.timelines.home(viewer.reader, page)
    return await _respond_pinned(request, viewer, await services.important_posts.home(viewer.reader, page, ids), "home")


async def public(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    params = await read_params(request)
    flt = StatusFilter(
        public_only=True, exclude_reblogs=True,
        local_only=bool(params.get_bool("local", False)), remote_only=bool(params.get_bool("remote", False)),
        only_media=bool(params.get_bool("only_media", False)),
    )
    ids = await state(request).services.timelines.statuses(viewer.reader, page_of(params), flt)
    return await _respond(request, viewer, ids)


def _tags(params: Params, name: str) -> tuple[str, ...]:
    return tuple(normalize_hashtag(tag) for tag in params.get_str_list(name) if normalize_hashtag(tag))


async def hashtag(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    params = await read_params(request)
    tag = normalize_hashtag(request.path_params["hashtag"])
    flt = StatusFilter(
        public_only=True, exclude_reblogs=True, tag_any=(tag, *_tags(params, "any")), tag_all=_tags(params, "all"),
        tag_none=_tags(params, "none"), local_only=bool(params.get_bool("local", False)),
        remote_only=bool(params.get_bool("remote", False)), only_media=bool(params.get_bool("only_media", False)),
    )
    ids = await state(request).services.timelines.statuses(viewer.reader, page_of(params), flt)
    return await _respond(request, viewer, ids)


async def department(request: Request) -> Response:
    """``GET /api/v1/timelines/department/:id``: posts addressed to a department, by its members, or both.

    The department chooses (``department_settings.timeline``); ``both`` unless its admins or publishers changed it.
    """
    viewer = await require_user(request, "read:statuses")
    params = await read_params(request)
    timelines = state(request).services.timelines
    department = await timelines.department(path_id(request))
    page = page_of(params)
    ids = await timelines.department_statuses(viewer.reader, department, page)
    pinned = await state(request).services.important_posts.department(viewer.reader, department, page, ids)
    return await _respond_pinned(request, viewer, pinned)


async def _listed(request: Request, kind: str, scope: str) -> Response:
    viewer = await require_user(request, scope)
    app = state(request)
    listed = await app.services.timelines.listed(kind, viewer.reader, page_of(await read_params(request)))
    return paged(request, await app.presenter.statuses(listed.statuses, viewer.account), listed.cursor_ids)


async def bookmarks(request: Request) -> Response:
    return await _listed(request, "bookmark", "read:bookmarks")


async def favourites(request: Request) -> Response:
    return await _listed(request, "favourite", "read:favourites")


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/timelines/home", home, methods=["GET"]),
        Route("/api/v1/timelines/public", public, methods=["GET"]),
        Route("/api/v1/timelines/tag/{hashtag}", hashtag, methods=["GET"]),
        Route("/api/v1/timelines/department/{id}", department, methods=["GET"]),
        Route("/api/v1/bookmarks", bookmarks, methods=["GET"]),
        Route("/api/v1/favourites", favourites, methods=["GET"]),
    ]
