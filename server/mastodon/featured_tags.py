"""``/api/v1/featured_tags`` (list, feature, unfeature, suggestions), Mastodon's featured hashtags.

The account's own featured tags, read and written with its own token; other
staff read them at ``/api/v1/accounts/:id/featured_tags``
(``server.mastodon.accounts``). Outsiders reach neither: no staff token, 401.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.params import path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.present.entities.tag import featured_tag_entity, tag_entity


async def listed(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    app = state(request)
    found = await app.services.featured_tags.of(viewer.account.id)
    return JSONResponse([featured_tag_entity(f, viewer.account, base_url=app.settings.base_url) for f in found])


async def feature(request: Request) -> Response:
    viewer = await require_user(request, "write:accounts")
    name = (await read_params(request)).require_str("name")
    app = state(request)
    featured = await app.services.featured_tags.feature(viewer.account.id, name)
    return JSONResponse(featured_tag_entity(featured, viewer.account, base_url=app.settings.base_url))


async def unfeature(request: Request) -> Response:
    viewer = await require_user(request, "write:accounts")
    await state(request).services.featured_tags.unfeature(viewer.account.id, path_id(request))
    return JSONResponse({})


async def suggestions(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    app = state(request)
    tags = await app.services.featured_tags.suggestions(viewer.account.id)
    histories = await app.services.trends.histories(viewer.reader, tags)
    following = await app.services.tags.following(viewer.account.id, [t.id for t in tags])
    return JSONResponse([
        tag_entity(t, base_url=app.settings.base_url, following=t.id in following, history=histories[t.id])
        for t in tags
    ])


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/featured_tags", listed, methods=["GET"]),
        Route("/api/v1/featured_tags", feature, methods=["POST"]),
        Route("/api/v1/featured_tags/suggestions", suggestions, methods=["GET"]),
        Route("/api/v1/featured_tags/{id}", unfeature, methods=["DELETE"]),
    ]
