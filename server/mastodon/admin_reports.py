"""Reports for admins: ``Flag``s from partners and reports by staff, in Mastodon's Admin::Report shape.

* ``GET /api/v1/admin/reports`` (``resolved=true`` for closed ones), ``GET .../:id``
* ``POST /api/v1/admin/reports/:id/resolve``: dismiss.
* ``POST /api/v1/admin/insideout/reports/:id/action`` with ``type``:
  ``delete_statuses`` (the reported public/unlisted posts), ``disable_account``
  (the reported employee), ``block_domain`` (the reported outside account's
  domain, through the runtime policy). Each closes the report.
* ``POST /api/v1/admin/insideout/reports/:id/forward`` (optional ``comment``):
  a staff report about an outside account goes to its server as a ``Flag``
  from the company. Answers the report with ``forwarded: true``.

Reported posts are shown only if public or unlisted: admins never read private or direct posts.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.params import path_id, read_params
from server.mastodon.admin_auth import READ_REPORTS, WRITE_REPORTS, admin_services, require_admin
from server.mastodon.auth import Viewer
from server.mastodon.common import state
from server.present.entities.admin import admin_account_entity, admin_report_entity
from server.services.admin_reports import ReportView
from storage.models import Account

REPORTS = "/api/v1/admin/reports"
INSIDEOUT = "/api/v1/admin/insideout/reports"
Entity = dict[str, Any]


async def _admin_account(request: Request, account: Account | None) -> Entity | None:
    if account is None:
        return None
    managed = await admin_services(request).accounts.managed(account)
    return admin_account_entity(managed, await state(request).presenter.account(account))


async def _entity(request: Request, viewer: Viewer, view: ReportView) -> Entity:
    statuses = await state(request).presenter.statuses(list(view.statuses), viewer.account)
    return admin_report_entity(
        view, account=await _admin_account(request, view.reporter),
        target=await _admin_account(request, view.targets[0] if view.targets else None), statuses=statuses,
    )


async def list_reports(request: Request) -> Response:
    viewer = await require_admin(request, READ_REPORTS)
    params = await read_params(request)
    limit = max(1, min(params.get_int("limit", 100) or 100, 200))
    views = await admin_services(request).reports.reports(resolved=bool(params.get_bool("resolved")), limit=limit)
    return JSONResponse([await _entity(request, viewer, v) for v in views])


async def show_report(request: Request) -> Response:
    viewer = await require_admin(request, READ_REPORTS)
    view = await admin_services(request).reports.get(path_id(request))
    return JSONResponse(await _entity(request, viewer, view))


async def resolve(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_REPORTS)
    view = await admin_services(request).reports.resolve(viewer.actor, path_id(request))
    return JSONResponse(await _entity(request, viewer, view))


async def action(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_REPORTS)
    params = await read_params(request)
    reports = admin_services(request).reports
    kind = params.get_str("type")
    handlers = {"delete_statuses": reports.delete_statuses, "disable_account": reports.disable_account,
                "block_domain": reports.block_domain, "dismiss": reports.resolve}
    handler = handlers.get(kind or "")
    if handler is None:
        raise InvalidInput("type must be one of delete_statuses, disable_account, block_domain, dismiss")
    view = await handler(viewer.actor, path_id(request))
    return JSONResponse(await _entity(request, viewer, view))


async def forward(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_REPORTS)
    params = await read_params(request)
    reports = admin_services(request).reports
    report_id = path_id(request)
    await reports.forward(viewer.actor, report_id, params.get_str("comment"))
    return JSONResponse(await _entity(request, viewer, await reports.get(report_id)))


def routes() -> list[BaseRoute]:
    return [
        Route(REPORTS, list_reports, methods=["GET"]),
        Route(f"{REPORTS}/{{id}}", show_report, methods=["GET"]),
        Route(f"{REPORTS}/{{id}}/resolve", resolve, methods=["POST"]),
        Route(f"{INSIDEOUT}/{{id}}/action", action, methods=["POST"]),
        Route(f"{INSIDEOUT}/{{id}}/forward", forward, methods=["POST"]),
    ]
