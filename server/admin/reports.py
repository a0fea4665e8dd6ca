"""Reports: ``Flag``s from partners and reports by staff, with the audited actions of ``AdminReports``.

Actions close the report (dismiss, delete the reported public/unlisted
posts, disable the reported employee, block the reported domain);
forwarding a staff report about an outside account is a separate choice
per report. Admins only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput
from server.admin.gate import Admin, page, redirect, require_admin
from server.edge.params import Params, path_id
from server.state import app_state

PATH = "/admin/reports"
ACTIONS = ("dismiss", "delete_statuses", "disable_account", "block_domain")


async def show_reports(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    resolved = request.query_params.get("resolved") == "true"
    reports = app_state(request).services.admin_reports
    views = await reports.reports(resolved=resolved, limit=100)
    authors = await reports.authors(views)
    return page(request, "reports.html", admin=admin, reports=views, resolved=resolved, authors=authors)


async def act(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    reports = app_state(request).services.admin_reports
    handlers = {"delete_statuses": reports.delete_statuses, "disable_account": reports.disable_account,
                "block_domain": reports.block_domain, "dismiss": reports.resolve}
    handler = handlers.get(form.get_str("type") or "")
    if handler is None:
        raise InvalidInput(f"type must be one of {', '.join(ACTIONS)}")
    await handler(admin.label, path_id(request))
    return redirect(PATH, "saved")


async def forward(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    comment = form.get_str("comment")
    await app_state(request).services.admin_reports.forward(admin.label, path_id(request), comment if comment else None)
    return redirect(PATH, "forwarded")
