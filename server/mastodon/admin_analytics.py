"""Analytics inside, as JSON (or CSV with ``format=csv``): counts only, never who.

- ``GET /api/v1/insideout/statuses/{id}/reach``: a post's reach over time,
  engagement and departments, for its author (or a token acting as the
  identity that wrote it), publishers and admins; anyone else hears 404,
  as for a missing id. Scope ``read:statuses``.
- ``GET /api/v1/admin/insideout/analytics/posts/{id}``, ``/authors/{id}``,
  ``/departments/{slug}``, ``/campaigns/{tag}``, ``/adoption``: publishers
  and admins (scope ``admin:read``); anyone else hears 403.

``since`` and ``until`` (``YYYY-MM-DD``, inclusive) bound the period; a
period out of range (before 2000, more than a year ahead, ``since`` after
``until``) is a 422. A direct message has no report: 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge import analytics as shapes
from server.edge.params import path_id, read_params
from server.mastodon.admin_auth import READ
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.services.analytics import Period, require_analyst

PREFIX = "/api/v1/admin/insideout/analytics"


async def _period_and_format(request: Request) -> tuple[Period, str]:
    params = await read_params(request)
    output = params.get_str("format") or "json"
    if output not in ("json", "csv"):
        raise InvalidInput("format must be json or csv")
    return shapes.parse_period({"since": params.get_str("since"), "until": params.get_str("until")}), output


def _answer(output: str, entity: dict[str, Any], csv: Callable[[], str], name: tuple[str, str]) -> Response:
    if output == "json":
        return JSONResponse(entity)
    return Response(csv(), media_type=shapes.CSV_TYPE, headers={"Content-Disposition": shapes.csv_name(*name)})


async def status_reach(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    status_id = path_id(request)
    period, output = await _period_and_format(request)
    analytics = state(request).services.analytics
    status = await analytics.post_for(viewer.account, viewer.user, status_id)
    report = await analytics.post(status, period)
    return _answer(output, shapes.post_json(report), lambda: shapes.post_csv(report), ("post", str(status.id)))


async def _analyst(request: Request) -> Viewer:
    viewer = await require_user(request, *READ)
    require_analyst(viewer.user)
    return viewer


async def post(request: Request) -> Response:
    viewer = await _analyst(request)
    status_id = path_id(request)
    period, output = await _period_and_format(request)
    analytics = state(request).services.analytics
    status = await analytics.post_for(viewer.human, viewer.user, status_id)
    report = await analytics.post(status, period)
    return _answer(output, shapes.post_json(report), lambda: shapes.post_csv(report), ("post", str(status.id)))


async def author(request: Request) -> Response:
    await _analyst(request)
    account_id = path_id(request)
    period, output = await _period_and_format(request)
    report = await state(request).services.analytics.author(account_id, period)
    return _answer(output, shapes.group_json(report), lambda: shapes.group_csv(report), ("author", str(account_id)))


async def department(request: Request) -> Response:
    await _analyst(request)
    slug = request.path_params["slug"]
    period, output = await _period_and_format(request)
    report = await state(request).services.analytics.department(slug, period)
    return _answer(output, shapes.group_json(report), lambda: shapes.group_csv(report), ("department", slug))


async def campaign(request: Request) -> Response:
    await _analyst(request)
    tag = request.path_params["tag"]
    period, output = await _period_and_format(request)
    report = await state(request).services.analytics.campaign(tag, period)
    return _answer(output, shapes.group_json(report), lambda: shapes.group_csv(report), ("campaign", tag))


async def adoption(request: Request) -> Response:
    await _analyst(request)
    period, output = await _period_and_format(request)
    report = await state(request).services.analytics.adoption(period)
    return _answer(output, shapes.adoption_json(report), lambda: shapes.adoption_csv(report), ("adoption", "weeks"))


View = Callable[[Request], Awaitable[Response]]
ROUTES: tuple[tuple[str, View], ...] = (
    ("/api/v1/insideout/statuses/{id}/reach", status_reach),
    (f"{PREFIX}/posts/{{id}}", post),
    (f"{PREFIX}/authors/{{id}}", author),
    (f"{PREFIX}/departments/{{slug}}", department),
    (f"{PREFIX}/campaigns/{{tag}}", campaign),
    (f"{PREFIX}/adoption", adoption),
)


def routes() -> list[BaseRoute]:
    return [Route(path, view, methods=["GET"]) for path, view in ROUTES]
