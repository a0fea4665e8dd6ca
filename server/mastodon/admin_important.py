"""``POST`` and ``DELETE /api/v1/admin/insideout/statuses/:id/important``: mark a post important, or no longer.

``until`` (ISO 8601, required, in the future, at most 90 days away) ends the
pinning. ``admin:write``, then the role: publishers and admins for any post
of the company or a department, a department's publishers for its posts;
other staff hear 403. An unknown post is 404, a post by anyone else 422.
The answer is the status, with ``important_until`` while it is important.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.dates import format_datetime, parse_datetime
from server.edge.params import path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.services.review_roles import Reviewer

PATH = "/api/v1/admin/insideout/statuses/{id}/important"


async def _reviewer(request: Request) -> tuple[Viewer, Reviewer]:
    viewer = await require_user(request, "admin:write")
    reviewer = await state(request).services.review_queries.reviewer(viewer.human, viewer.user.role)
    return viewer, replace(reviewer, label=viewer.actor)


async def _status(request: Request, viewer: Viewer, status_id: int) -> Response:
    app = state(request)
    status = await app.services.statuses.visible(viewer.reader, status_id)
    entity = await app.presenter.status(status, viewer.account)
    current = await app.services.important_posts.current([status_id])
    entity["important_until"] = format_datetime(current[status_id].until) if status_id in current else None
    return JSONResponse(entity)


async def mark(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request)
    params = await read_params(request)
    raw = params.get_str("until")
    until = parse_datetime(raw, "until") if raw else None
    marked = await state(request).services.important_posts.mark(reviewer, path_id(request), until)
    return await _status(request, viewer, marked.status_id)


async def unmark(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request)
    status_id = path_id(request)
    await state(request).services.important_posts.unmark(reviewer, status_id)
    return await _status(request, viewer, status_id)


def routes() -> list[BaseRoute]:
    return [Route(PATH, mark, methods=["POST"]), Route(PATH, unmark, methods=["DELETE"])]
