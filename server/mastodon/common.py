"""What every Mastodon API handler shares: the app state, pages, and JSON with Link headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from server.edge.pagination import link_header
from server.state import AppState, app_state


def state(request: Request) -> AppState:
    return app_state(request)


def public_url(request: Request) -> str:
    """The request's URL rebuilt on base_url, never on the Host header a client or proxy sent."""
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{state(request).settings.base_url}{request.url.path}{query}"


def paged(request: Request, entities: Sequence[Any], cursor_ids: Sequence[int], *, limit: int | None = None) -> JSONResponse:
    """A list with Mastodon's ``Link`` header; ``cursor_ids`` are the ids clients page by, newest first."""
    response = JSONResponse(list(entities))
    link = link_header(public_url(request), list(cursor_ids), limit=limit)
    if link:
        response.headers["Link"] = link
    return response
