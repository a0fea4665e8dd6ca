"""Hashtags: ``/api/v1/tags/:name`` (+ follow, feature and their undoing) and ``/api/v1/followed_tags``.

Each Tag carries a week of use (``server.services.trends``) and whether the
viewer follows and features it.

A followed tag brings public posts carrying it into the follower's home
feed (see ``Distribution``); nothing about it leaves the server.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.content import display_hashtag, normalize_hashtag
from activitypub.errors import NotFound
from server.edge.pagination import page_of
from server.edge.params import read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from server.present.entities.tag import tag_entity
from storage.models import Tag

FOLLOWED_TAGS_LIMITS = (100, 200)


def _name(request: Request) -> str:
    name = normalize_hashtag(request.path_params["name"])
    if not name:
        raise NotFound()
    return name


async def _existing(request: Request) -> Tag:
    return await state(request).services.tags.get(_name(request))


async def _entity(request: Request, viewer: Viewer, tag: Tag, *, following: bool | None = None) -> dict[str, Any]:
    """The Tag as the viewer sees it: whether they follow and feature it, and its week of use."""
    app = state(request)
    if following is None:
        following = tag.id in await app.services.tags.following(viewer.account.id, [tag.id])
    featuring = tag.id in await app.services.featured_tags.featured_ids(viewer.account.id)
    history = (await app.services.trends.histories(viewer.reader, [tag]))[tag.id]
    return tag_entity(tag, base_url=app.settings.base_url, following=following, history=history, featuring=featuring)


async def show(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    return JSONResponse(await _entity(request, viewer, await _existing(request)))


async def follow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    tag = await state(request).services.tags.follow(
        viewer.account.id, _name(request), display_hashtag(request.path_params["name"])
    )
    return JSONResponse(await _entity(request, viewer, tag, following=True))


async def unfollow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    tag = await _existing(request)
    await state(request).services.tags.unfollow(viewer.account.id, tag)
    return JSONResponse(await _entity(request, viewer, tag, following=False))


async def feature(request: Request) -> Response:
    """Mastodon 4.4's ``/tags/:name/feature``: the same as ``POST /api/v1/featured_tags``."""
    viewer = await require_user(request, "write:accounts")
    featured = await state(request).services.featured_tags.feature(viewer.account.id, request.path_params["name"])
    return JSONResponse(await _entity(request, viewer, featured.tag))


async def unfeature(request: Request) -> Response:
    viewer = await require_user(request, "write:accounts")
    tag = await _existing(request)
    await state(request).services.featured_tags.unfeature_tag(viewer.account.id, tag)
    return JSONResponse(await _entity(request, viewer, tag))


async def followed(request: Request) -> Response:
    viewer = await require_user(request, "read:follows")
    app = state(request)
    page = page_of(await read_params(request), FOLLOWED_TAGS_LIMITS)
    rows = await app.services.tags.followed(viewer.account.id, page)
    histories = await app.services.trends.histories(viewer.reader, [row.tag for row in rows])
    entities = [
        tag_entity(row.tag, base_url=app.settings.base_url, following=True, history=histories[row.tag.id])
        for row in rows
    ]
    return paged(request, entities, [row.id for row in rows], limit=page.limit)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/followed_tags", followed, methods=["GET"]),
        Route("/api/v1/tags/{name}", show, methods=["GET"]),
        Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
        Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
        Route("/api/v1/tags/{name}/feature", feature, methods=["POST"]),
        Route("/api/v1/tags/{name}/unfeature", unfeature, methods=["POST"]),
    ]
