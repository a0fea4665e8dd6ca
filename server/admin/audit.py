"""The audit log page: publication decisions (``publication_log``) and other admin actions (``admin_actions``).

Both are read through the same calls as the JSON API (``ReviewQueries.audit``
and ``AdminLog.actions``), with the same filters, and paged by id apart
(``max_id``/``min_id`` for decisions, ``actions_max_id``/``actions_min_id``
for the other actions), newest first. People show as ``@name`` and posts
as a link with the start of their text. Admins only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from server.admin.gate import Admin, page, require_admin
from server.edge.dates import parse_datetime
from server.edge.pagination import page_of
from server.edge.params import Params
from server.state import app_state as state
from storage.models import Page
from storage.review import AuditFilter

AUDIT = "/admin/audit"
FILTERS = ("status_id", "actor", "action", "since", "until", "target_type", "target_id")
LIMITS = (50, 200)
ACCOUNT_TARGETS = ("account", "department", "company", "employee")


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
    decisions_page = page_of(params, LIMITS)
    actions_page = page_of(Params({k[len("actions_"):]: v for k, v in params.data.items() if k.startswith("actions_")}),
                           LIMITS)
    decisions = await app.services.review_queries.audit(admin.reviewer, where, decisions_page)
    actions = await app.services.admin_log.actions(
        target_type=params.get_str("target_type"), target_id=params.get_str("target_id"),
        action=params.get_str("action"), actor=where.actor, since=where.since, until=where.until, page=actions_page)
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    names = await app.services.admin_log.names(
        actors=[e.actor for e in decisions] + [a.actor for a in actions],
        account_ids=[a.target_id for a in actions if a.target_type in ACCOUNT_TARGETS],
        status_ids=[e.status_id for e in decisions])
    return page(request, "audit.html", admin=admin, decisions=decisions, actions=actions, filters=filters,
                names=names, account_targets=ACCOUNT_TARGETS,
                decision_pages=_pages(filters, [e.id for e in decisions], decisions_page, ""),
                action_pages=_pages(filters, [a.id for a in actions], actions_page, "actions_"))


def _pages(filters: Mapping[str, str], ids: Sequence[int], wanted: Page, prefix: str) -> tuple[str | None, str | None]:
    """(newer, older) links of one table, keeping the filters; the other table starts again at its newest."""
    kept = {k: v for k, v in filters.items() if v}
    paged = wanted.max_id is not None or wanted.min_id is not None
    more = len(ids) >= wanted.limit or wanted.min_id is not None
    older = f"{AUDIT}?{urlencode({**kept, f'{prefix}max_id': ids[-1]})}" if ids and more else None
    if not paged:
        return None, older
    newer = f"{AUDIT}?{urlencode({**kept, f'{prefix}min_id': ids[0]})}" if ids else f"{AUDIT}?{urlencode(kept)}"
    return newer, older
