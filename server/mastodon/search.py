"""``GET /api/v2/search``; ``/api/v1/search`` is gone, as in Mastodon 4."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput, NotFound
from server.edge.pagination import SEARCH_LIMITS, OffsetPage, PageRequest
from server.edge.params import read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.present.entities.tag import tag_entity
from server.services.search import SEARCH_TYPES, SearchQuery
from storage.models import Page


async def search(request: Request) -> Response:
    viewer = await require_user(request, "read:search")
    params = await read_params(request)
    kind = params.get_str("type") or None
    if kind is not None and kind not in SEARCH_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(SEARCH_TYPES)}")
    offset = OffsetPage.from_params(params, default_limit=SEARCH_LIMITS[0], max_limit=SEARCH_LIMITS[1])
    cursor = PageRequest.from_params(params, default_limit=SEARCH_LIMITS[0], max_limit=SEARCH_LIMITS[1])
    query = SearchQuery(
        q=params.require_str("q"), type=kind, resolve=bool(params.get_bool("resolve", False)),
        following=bool(params.get_bool("following", False)), account_id=params.get_id("account_id"),
        limit=offset.limit, offset=offset.offset,
        page=Page(limit=offset.limit, max_id=cursor.max_id, min_id=cursor.min_id),
    )
    app = state(request)
    results = await app.services.search.search(viewer.account, query, reader=viewer.reader)
    presenter = app.presenter
    followed = await app.services.tags.following(viewer.account.id, [t.id for t in results.hashtags])
    histories = await app.services.trends.histories(viewer.reader, results.hashtags)
    return JSONResponse({
        "accounts": await presenter.accounts(results.accounts),
        "statuses": await presenter.statuses(results.statuses, viewer.account),
        "hashtags": [tag_entity(t, base_url=app.settings.base_url, following=t.id in followed,
                                history=histories[t.id]) for t in results.hashtags],
    })


async def removed(request: Request) -> Response:
    raise NotFound()


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v2/search", search, methods=["GET"]),
        Route("/api/v1/search", removed, methods=["GET"]),
    ]
