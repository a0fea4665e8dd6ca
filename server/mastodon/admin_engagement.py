"""``GET /api/v1/admin/insideout/engagement?group=post|department|month&format=json|csv``.

Outside replies, favourites and boosts of published posts, by partner
domain. JSON gives one object per group with totals, a per-domain and a
per-month breakdown; CSV (``text/csv``, a header row, RFC 4180 quoting)
gives one row per group and domain, and one row with an empty domain for
a post or department without outside engagement.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.engagement_csv import engagement_header, engagement_rows, key_fields
from server.edge.params import read_params
from server.mastodon.admin_auth import READ, require_admin
from server.mastodon.common import state
from server.services.engagement import Engagement, Grouping, Tally, csv_text
from storage.models import Account

PATH = "/api/v1/admin/insideout/engagement"
Entity = dict[str, Any]


def _tally(tally: Tally) -> Entity:
    return {"replies": tally.replies, "favourites": tally.favourites, "reblogs": tally.reblogs}


def _json(result: Engagement, accounts: dict[int, Account]) -> list[Entity]:
    return [
        {**key_fields(result, group, accounts), **_tally(group.totals),
         "domains": [{"domain": d, **_tally(t)} for d, t in sorted(group.domains.items())],
         "months": [{"month": m, **_tally(t)} for m, t in sorted(group.months.items())]}
        for group in result.groups
    ]


async def report(request: Request) -> Response:
    await require_admin(request, READ)
    params = await read_params(request)
    try:
        grouping = Grouping(params.get_str("group") or "post")
    except ValueError:
        raise InvalidInput("group must be post, department or month") from None
    output = params.get_str("format") or "json"
    if output not in ("json", "csv"):
        raise InvalidInput("format must be json or csv")
    reports = state(request).services.engagement
    result = await reports.grouped(grouping)
    accounts = await reports.accounts_named(result)
    if output == "json":
        return JSONResponse(_json(result, accounts))
    return Response(csv_text(engagement_header(grouping), engagement_rows(result, accounts)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="engagement-{grouping.value}.csv"'})


def routes() -> list[BaseRoute]:
    return [Route(PATH, report, methods=["GET"])]
