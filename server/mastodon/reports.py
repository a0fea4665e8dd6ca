"""``POST /api/v1/reports``: staff report an account (and its statuses) to the admins.

The report stays inside. ``forward=true`` is only recorded as a request:
forwarding a report of an outside account to its server happens by an
admin's action (see docs/design.md), never from this endpoint.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.dates import format_datetime, format_optional_datetime
from server.edge.params import Params, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from storage.curation import NewStaffReport, ReportCategory, StaffReport

MAX_COMMENT = 1000


def report_entity(report: StaffReport, target: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": format_optional_datetime(report.action_taken_at),
        "category": report.category.value,
        "comment": report.comment,
        "forwarded": report.forwarded_at is not None,
        "created_at": format_datetime(report.created_at),
        "status_ids": [str(i) for i in report.status_ids] or None,
        "rule_ids": [str(i) for i in report.rule_ids] or None,
        "target_account": target,
    }


def _category(params: Params, rule_ids: list[int]) -> ReportCategory:
    value = params.get_str("category") or ("violation" if rule_ids else "other")
    try:
        return ReportCategory(value)
    except ValueError:
        raise InvalidInput(f"Validation failed: '{value}' is not a valid category") from None


async def create(request: Request) -> Response:
    viewer = await require_user(request, "write:reports")
    params = await read_params(request)
    app = state(request)
    reports = app.services.staff_reports
    target = await reports.target(params.get_id("account_id"))
    comment = params.get_str("comment", "") or ""
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    rule_ids = params.get_id_list("rule_ids")
    if rule_ids:
        # The instance publishes no rules (GET /api/v1/instance/rules is empty), so none can be cited.
        raise InvalidInput("Validation failed: Rule ids are not valid rules of this server")
    status_ids = await reports.reported_statuses(viewer.reader, target, params.get_id_list("status_ids"))
    report = await reports.file(NewStaffReport(
        account_id=viewer.account.id, target_account_id=target.id, status_ids=status_ids, comment=comment,
        category=_category(params, rule_ids), rule_ids=(), forward=bool(params.get_bool("forward", False)),
    ))
    return JSONResponse(report_entity(report, await app.presenter.account(target)))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/reports", create, methods=["POST"])]
