"""What every Mastodon API handler shares: the app state, pages, and JSON with Link headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from activitypub.errors import NotFound
from server.mastodon.pagination import STATUSES_LIMITS, PageRequest, link_header
from server.mastodon.params import Params
from server.state import AppState, app_state
from storage.ids import parse_id
from storage.models import Page


def state(request: Request) -> AppState:
    return app_state(request)


def path_id(request: Request, name: str = "id") -> int:
    """A path id; anything that is not one is simply not found, as Mastodon answers."""
    try:
        return parse_id(request.path_params[name])
    except ValueError:
        raise NotFound() from None


def page_of(params: Params, limits: tuple[int, int] = STATUSES_LIMITS) -> Page:
    cursor = PageRequest.from_params(params, default_limit=limits[0], max_limit=limits[1])
    return Page(limit=cursor.limit, max_id=cursor.max_id, since_id=cursor.since_id, min_id=cursor.min_id)


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
