"""Small instance-level endpoints: follow suggestions (colleagues); announcements are in ``announcements``.

Suggestions are local accounts (employees, departments, the company) the
viewer neither follows nor blocks, for staff only like every /api route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.pagination import ACCOUNTS_LIMITS
from server.edge.params import read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from storage.models import Account


async def _suggested(request: Request, viewer: Viewer) -> list[Account]:
    params = await read_params(request)
    limit = params.get_int("limit", ACCOUNTS_LIMITS[0], minimum=1) or ACCOUNTS_LIMITS[0]
    limit = min(limit, ACCOUNTS_LIMITS[1])
    return await state(request).services.account_queries.suggestions(viewer.account, limit)


async def suggestions_v1(request: Request) -> Response:
    viewer = await require_user(request, "read")
    accounts = await _suggested(request, viewer)
    return JSONResponse(await state(request).presenter.accounts(accounts))


async def suggestions_v2(request: Request) -> Response:
    viewer = await require_user(request, "read")
    accounts = await _suggested(request, viewer)
    entities = await state(request).presenter.accounts(accounts)
    return JSONResponse([{"source": "staff", "sources": ["featured"], "account": e} for e in entities])


async def dismiss_suggestion(request: Request) -> Response:
    # Suggestions are colleagues, recomputed on each request; a dismissal is acknowledged, not stored.
    await require_user(request, "read")
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/suggestions", suggestions_v1, methods=["GET"]),
        Route("/api/v2/suggestions", suggestions_v2, methods=["GET"]),
        Route("/api/v1/suggestions/{account_id}", dismiss_suggestion, methods=["DELETE"]),
    ]
