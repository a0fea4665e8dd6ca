"""Hashtags: ``/api/v1/tags/:name`` (+ follow/unfollow) and ``/api/v1/followed_tags``.

A followed tag brings public posts carrying it into the follower's home
feed (see ``Distribution``); nothing about it leaves the server.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.content import display_hashtag, normalize_hashtag
from activitypub.errors import NotFound
from server.edge.pagination import page_of
from server.edge.params import read_params
from server.mastodon.auth import require_user
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


async def show(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    tag = await _existing(request)
    app = state(request)
    following = tag.id in await app.services.tags.following(viewer.account.id, [tag.id])
    return JSONResponse(tag_entity(tag, base_url=app.settings.base_url, following=following))


async def follow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    app = state(request)
    tag = await app.services.tags.follow(
        viewer.account.id, _name(request), display_hashtag(request.path_params["name"])
    )
    return JSONResponse(tag_entity(tag, base_url=app.settings.base_url, following=True))


async def unfollow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    tag = await _existing(request)
    app = state(request)
    await app.services.tags.unfollow(viewer.account.id, tag)
    return JSONResponse(tag_entity(tag, base_url=app.settings.base_url, following=False))


async def followed(request: Request) -> Response:
    viewer = await require_user(request, "read:follows")
    app = state(request)
    page = page_of(await read_params(request), FOLLOWED_TAGS_LIMITS)
    rows = await app.services.tags.followed(viewer.account.id, page)
    entities = [tag_entity(row.tag, base_url=app.settings.base_url, following=True) for row in rows]
    return paged(request, entities, [row.id for row in rows], limit=page.limit)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/followed_tags", followed, methods=["GET"]),
        Route("/api/v1/tags/{name}", show, methods=["GET"]),
        Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
        Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    ]
