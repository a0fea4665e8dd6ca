"""Published (and retracted) posts with their outside engagement by partner domain, a chart per month, CSV.

The figures come from ``server.services.engagement`` (the same numbers as
``/api/v1/admin/insideout/engagement``), and the CSV is built by that
route's own row functions, so both exports are identical. Admins only, as
in the JSON API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput
from server.admin.chart import HEIGHT, WIDTH, month_bars
from server.admin.gate import HEADERS, Admin, page, require_admin
from server.edge.engagement_csv import engagement_header, engagement_rows
from server.services.engagement import Grouping, csv_text
from server.state import app_state as state


async def show_published(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    reports = state(request).services.engagement
    by_post = await reports.grouped(Grouping.POST)
    by_month = await reports.grouped(Grouping.MONTH)
    authors = await reports.accounts_named(by_post)
    statuses = await reports.statuses(by_post)
    return page(request, "published.html", admin=admin, result=by_post, authors=authors, statuses=statuses,
                bars=month_bars(by_month.groups), chart_width=WIDTH, chart_height=HEIGHT)


async def export_csv(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    try:
        grouping = Grouping(request.query_params.get("group") or "post")
    except ValueError:
        raise InvalidInput("group must be post, department or month") from None
    reports = state(request).services.engagement
    result = await reports.grouped(grouping)
    accounts = await reports.accounts_named(result)
    return Response(csv_text(engagement_header(grouping), engagement_rows(result, accounts)), media_type="text/csv; charset=utf-8",
                    headers={**HEADERS, "Content-Disposition": f'attachment; filename="engagement-{grouping.value}.csv"'})
