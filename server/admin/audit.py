"""The audit log page: publication decisions (``publication_log``) and other admin actions (``admin_actions``).

Both are read through the same calls as the JSON API (``ReviewQueries.audit``
and ``AdminLog.actions``), with the same filters; admins only.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import Admin, page, require_admin
from server.edge.dates import parse_datetime
from server.edge.pagination import page_of
from server.edge.params import Params
from server.state import app_state as state
from storage.review import AuditFilter

FILTERS = ("status_id", "actor", "action", "since", "until", "target_type", "target_id")


async def show_audit(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    app = state(request)
    params = Params({k: v for k, v in request.query_params.items() if v})
    since, until = params.get_str("since"), params.get_str("until")
    where = AuditFilter(
        status_id=params.get_id("status_id"), actor=params.get_str("actor"), action=params.get_str("action"),
        since=parse_datetime(since, "since") if since else None,
        until=parse_datetime(until, "until") if until else None,
    )
    decisions = await app.services.review_queries.audit(admin.reviewer, where, page_of(params, (100, 200)))
    actions = await app.services.admin_log.actions(
        target_type=params.get_str("target_type"), target_id=params.get_str("target_id"),
        action=params.get_str("action"), limit=100)
    if where.actor or where.since or where.until:
        actions = [a for a in actions if _matches(a.actor, a.created_at, where)]
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    return page(request, "audit.html", admin=admin, decisions=decisions, actions=actions, filters=filters)


def _matches(actor: str, at: datetime, where: AuditFilter) -> bool:
    # The admin action store filters by target and action only; actor and dates narrow the page here.
    return ((where.actor is None or actor == where.actor) and (where.since is None or at >= where.since)
            and (where.until is None or at < where.until))
