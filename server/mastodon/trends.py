"""``/api/v1/trends/tags|statuses|links`` (and ``/api/v1/trends``, Mastodon's old name for tags).

Staff see what is trending inside (``server.services.trends``). Anyone
else (no token, an app-only token) gets an empty list with 200: the same
answer an empty server gives, so it tells nothing. A token that is
unknown or revoked is refused as everywhere else.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.pagination import OffsetPage
from server.edge.params import read_params
from server.mastodon.auth import Viewer, optional_viewer
from server.mastodon.common import public_url, state
from server.present.entities.card import card_entity
from server.present.entities.tag import history_entity, tag_entity
from server.services.trends import Slice

TAG_LIMITS: Final = (10, 20)
STATUS_LIMITS: Final = (20, 40)
LINK_LIMITS: Final = (10, 20)
NOTHING: Final = {"Cache-Control": "private, no-store"}


async def _window(request: Request, limits: tuple[int, int]) -> tuple[Viewer | None, OffsetPage]:
    viewer = await optional_viewer(request)
    page = OffsetPage.from_params(await read_params(request), default_limit=limits[0], max_limit=limits[1])
    return viewer, page


def _answer(request: Request, entities: list[object], page: OffsetPage) -> Response:
    response = JSONResponse(entities, headers=NOTHING)
    link = page.link_header(public_url(request), len(entities))
    if link:
        response.headers["Link"] = link
    return response


async def tags(request: Request) -> Response:
    viewer, page = await _window(request, TAG_LIMITS)
    if viewer is None:
        return JSONResponse([], headers=NOTHING)
    app = state(request)
    found = await app.services.trends.tags(viewer.reader, Slice(page.offset, page.limit))
    following = await app.services.tags.following(viewer.account.id, [t.tag.id for t in found])
    entities: list[object] = [
        tag_entity(t.tag, base_url=app.settings.base_url, following=t.tag.id in following, history=t.history)
        for t in found
    ]
    return _answer(request, entities, page)


async def statuses(request: Request) -> Response:
    viewer, page = await _window(request, STATUS_LIMITS)
    if viewer is None:
        return JSONResponse([], headers=NOTHING)
    app = state(request)
    found = await app.services.trends.statuses(viewer.reader, Slice(page.offset, page.limit))
    entities: list[object] = list(await app.presenter.statuses(found, viewer.account, context="public"))
    return _answer(request, entities, page)


async def links(request: Request) -> Response:
    viewer, page = await _window(request, LINK_LIMITS)
    if viewer is None:
        return JSONResponse([], headers=NOTHING)
    app = state(request)
    found = await app.services.trends.links(viewer.reader, Slice(page.offset, page.limit))
    entities: list[object] = [
        {**card_entity(link.card, base_url=app.settings.base_url), "history": history_entity(link.history)}
        for link in found
    ]
    return _answer(request, entities, page)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/trends", tags, methods=["GET"]),
        Route("/api/v1/trends/tags", tags, methods=["GET"]),
        Route("/api/v1/trends/statuses", statuses, methods=["GET"]),
        Route("/api/v1/trends/links", links, methods=["GET"]),
    ]
