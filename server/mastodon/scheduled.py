"""``/api/v1/scheduled_statuses``, and ``POST /api/v1/statuses`` with ``scheduled_at``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.dates import format_datetime, parse_datetime
from server.edge.pagination import page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from server.present.attached import media_entities
from server.services.statuses import StatusDraft
from storage.media import ScheduledStatus

Entity = dict[str, Any]


def _params_entity(params: dict[str, Any]) -> Entity:
    shown = dict(params)
    for key in ("in_reply_to_id", "application_id"):
        if shown.get(key) is not None:
            shown[key] = int(shown[key]) if key == "application_id" else str(shown[key])
    return shown


async def scheduled_entities(request: Request, rows: Sequence[ScheduledStatus]) -> list[Entity]:
    app = state(request)
    media = media_entities(await app.services.attached.of_scheduled([row.id for row in rows]), app.settings.base_url)
    return [
        {
            "id": str(row.id),
            "scheduled_at": format_datetime(row.scheduled_at),
            "params": _params_entity(dict(row.params)),
            "media_attachments": media.get(row.id, []),
        }
        for row in rows
    ]


async def schedule_if_asked(request: Request, params: Params, viewer: Viewer, draft: StatusDraft) -> Response | None:
    """A ScheduledStatus for a future ``scheduled_at``; None to post now (absent, or in the past as in Mastodon)."""
    raw = params.get_str("scheduled_at")
    if not raw:
        return None
    scheduled_at = parse_datetime(raw, "scheduled_at")
    if viewer.acting_as is not None:  # the worker posts later, when it can no longer ask whether the human may
        raise InvalidInput("Posts made as the company or a department cannot be scheduled")
    service = state(request).services.scheduled
    if not service.is_future(scheduled_at):
        return None
    scheduled = await service.schedule(viewer.account, draft, scheduled_at)
    return JSONResponse((await scheduled_entities(request, [scheduled]))[0])


async def list_scheduled(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    page = page_of(await read_params(request))
    rows = await state(request).services.scheduled.pending(viewer.account, page)
    return paged(request, await scheduled_entities(request, rows), [row.id for row in rows])


async def show_scheduled(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    row = await state(request).services.scheduled.own(viewer.account, path_id(request))
    return JSONResponse((await scheduled_entities(request, [row]))[0])


async def update_scheduled(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    service = state(request).services.scheduled
    current = await service.own(viewer.account, path_id(request))
    raw = params.get_str("scheduled_at")
    row = await service.reschedule(viewer.account, current.id, parse_datetime(raw, "scheduled_at")) if raw else current
    return JSONResponse((await scheduled_entities(request, [row]))[0])


async def delete_scheduled(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    await state(request).services.scheduled.cancel(viewer.account, path_id(request))
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    base = "/api/v1/scheduled_statuses"
    return [
        Route(base, list_scheduled, methods=["GET"]),
        Route(base + "/{id}", show_scheduled, methods=["GET"]),
        Route(base + "/{id}", update_scheduled, methods=["PUT"]),
        Route(base + "/{id}", delete_scheduled, methods=["DELETE"]),
    ]
