"""Mastodon's announcements API for staff, and their authoring through the admin API.

Staff (``GET /api/v1/announcements``, ``POST .../:id/dismiss``, ``PUT`` and
``DELETE .../:id/reactions/:name``): only announcements that are active and
for the caller; any other id is 404, as a missing one is. A reaction name
that is not one emoji is Mastodon's 422. Outsiders (no token, an app-only
token) hear 401 from every route here.

Authors (``/api/v1/admin/insideout/announcements``: GET, POST; ``/{id}``:
GET, PUT, DELETE; ``/{id}/end``: POST): ``admin:read`` to read and
``admin:write`` to change, then the publisher or admin role (403 for other
staff). Mastodon has no admin announcements API, hence the namespace.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.dates import parse_datetime
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.present.entities.announcement import admin_announcement_entity, announcement_entity
from server.services.announcements import AnnouncementDraft
from server.services.field_errors import FieldCheck
from server.services.review_roles import Reviewer

ADMIN_PATH = "/api/v1/admin/insideout/announcements"


async def announcements(request: Request) -> Response:
    viewer = await require_user(request, "read")
    params = await read_params(request)
    app = state(request)
    views = await app.services.announcements.active_for(
        viewer.account, with_dismissed=bool(params.get_bool("with_dismissed", False)))
    return JSONResponse([announcement_entity(v, app.settings.base_url) for v in views])


async def dismiss(request: Request) -> Response:
    viewer = await require_user(request, "write:accounts")
    await state(request).services.announcements.dismiss(viewer.account, path_id(request))
    return JSONResponse({})


async def reaction(request: Request) -> Response:
    viewer = await require_user(request, "write:favourites")
    service = state(request).services.announcements
    name = request.path_params["name"]  # ASGI paths arrive percent-decoded
    if request.method == "PUT":
        await service.react(viewer.account, path_id(request), name)
    else:
        await service.unreact(viewer.account, path_id(request), name)
    return JSONResponse({})


async def _author(request: Request, scope: str) -> Reviewer:
    viewer = await require_user(request, scope)
    reviewer = await state(request).services.review_queries.reviewer(viewer.human, viewer.user.role)
    return replace(reviewer, label=viewer.actor)


def _time(check: FieldCheck, params: Params, name: str) -> datetime | None:
    raw = params.get_str(name)
    return check.check(name, lambda: parse_datetime(raw, name)) if raw else None


def draft_of(params: Params) -> AnnouncementDraft:
    """An announcement from the request; unreadable times are refused beside their field."""
    check = FieldCheck()
    starts_at, ends_at = _time(check, params, "starts_at"), _time(check, params, "ends_at")
    check.raise_any()
    departments = params.get_str_list("department_ids") or params.get_str_list("departments")
    return AnnouncementDraft(text=params.get_str("text") or "", starts_at=starts_at, ends_at=ends_at,
                             all_day=bool(params.get_bool("all_day", False)), departments=tuple(departments))


async def admin_list(request: Request) -> Response:
    reviewer = await _author(request, "admin:read")
    summaries = await state(request).services.announcements.listing(reviewer)
    return JSONResponse([admin_announcement_entity(s) for s in summaries])


async def admin_show(request: Request) -> Response:
    reviewer = await _author(request, "admin:read")
    summary = await state(request).services.announcements.summary(reviewer, path_id(request))
    return JSONResponse(admin_announcement_entity(summary))


async def admin_create(request: Request) -> Response:
    reviewer = await _author(request, "admin:write")
    service = state(request).services.announcements
    created = await service.create(reviewer, draft_of(await read_params(request)))
    return JSONResponse(admin_announcement_entity(await service.summary(reviewer, created.id)))


async def admin_update(request: Request) -> Response:
    reviewer = await _author(request, "admin:write")
    service = state(request).services.announcements
    edited = await service.edit(reviewer, path_id(request), draft_of(await read_params(request)))
    return JSONResponse(admin_announcement_entity(await service.summary(reviewer, edited.id)))


async def admin_delete(request: Request) -> Response:
    reviewer = await _author(request, "admin:write")
    await state(request).services.announcements.delete(reviewer, path_id(request))
    return JSONResponse({})


async def admin_end(request: Request) -> Response:
    reviewer = await _author(request, "admin:write")
    service = state(request).services.announcements
    ended = await service.end(reviewer, path_id(request))
    return JSONResponse(admin_announcement_entity(await service.summary(reviewer, ended.id)))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/announcements", announcements, methods=["GET"]),
        Route("/api/v1/announcements/{id}/dismiss", dismiss, methods=["POST"]),
        Route("/api/v1/announcements/{id}/reactions/{name}", reaction, methods=["PUT", "DELETE"]),
        Route(ADMIN_PATH, admin_list, methods=["GET"]),
        Route(ADMIN_PATH, admin_create, methods=["POST"]),
        Route(ADMIN_PATH + "/{id}", admin_show, methods=["GET"]),
        Route(ADMIN_PATH + "/{id}", admin_update, methods=["PUT"]),
        Route(ADMIN_PATH + "/{id}", admin_delete, methods=["DELETE"]),
        Route(ADMIN_PATH + "/{id}/end", admin_end, methods=["POST"]),
    ]
