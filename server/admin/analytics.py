"""Analytics pages: adoption and top posts, and one report per post, author, department and campaign.

Publishers and admins only (``require_analyst``; the gate lets a
department's own publishers in, this page does not). Charts are inline SVG
(server/admin/chart.py) with a title, a description and the data as a
table; each page has its CSV (``.csv`` after the path, or ``?format=csv``),
the same rows as the JSON API's CSV (``server.edge.analytics``). Counts
only, small ones shown as "fewer than 5": nothing here names a reader. A
period out of range is an error page (422), never a 500.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput, NotFound
from server.admin.chart import HEIGHT, WIDTH, series_bars
from server.admin.gate import HEADERS, Admin, page, redirect
from server.edge import analytics as shapes
from server.services.analytics import GroupReport, Period, PostReport, require_analyst
from server.services.analytics_privacy import Cell
from server.state import app_state as state
from storage.ids import parse_id

CSV_SUFFIX = ".csv"


def _period(request: Request) -> Period:
    return shapes.parse_period({"since": request.query_params.get("since"),
                                "until": request.query_params.get("until")})


def _query(period: Period) -> str:
    chosen = {k: v.isoformat() for k, v in (("since", period.since), ("until", period.until)) if v}
    return f"?{urlencode(chosen)}" if chosen else ""


def _csv_wanted(request: Request) -> bool:
    return request.url.path.endswith(CSV_SUFFIX) or request.query_params.get("format") == "csv"


def _key(request: Request, name: str) -> str:
    value = str(request.path_params[name])
    return value[: -len(CSV_SUFFIX)] if value.endswith(CSV_SUFFIX) else value


def _csv(text: str, kind: str, key: str) -> Response:
    return Response(text, media_type=shapes.CSV_TYPE,
                    headers={**HEADERS, "Content-Disposition": shapes.csv_name(kind, key)})


async def show_overview(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    period = _period(request)
    analytics = state(request).services.analytics
    adoption = await analytics.adoption(period)
    if _csv_wanted(request):
        return _csv(shapes.adoption_csv(adoption), "adoption", "weeks")
    departments = await analytics.departments()
    return page(request, "analytics.html", admin=admin, adoption=adoption, period=period, query=_query(period),
                top=await analytics.top_posts(period),
                active_bars=series_bars([(w.week, w.active) for w in adoption.weeks], "active"),
                departments=departments, chart_width=WIDTH, chart_height=HEIGHT)


async def find_campaign(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    tag = (request.query_params.get("tag") or "").strip().lstrip("#")
    if not tag:
        raise InvalidInput("Name a hashtag.")
    return redirect(f"/admin/analytics/campaigns/{quote(tag, safe='')}")


def _point(cell: Cell) -> int | str:
    """A chart's value for a count of people: the count, or "fewer than 5" (drawn with no height)."""
    return cell.count if cell.count is not None else cell.text


def _report_page(request: Request, admin: Admin, heading: str, report: PostReport | GroupReport,
                 period: Period, path: str, excerpt: str = "") -> Response:
    group = report if isinstance(report, GroupReport) else None
    reach = report.reach
    return page(
        request, "analytics_report.html", admin=admin, heading=heading, excerpt=excerpt, period=period,
        query=_query(period), report_path=path, reach=reach, engagement=report.engagement,
        outside=report.outside if isinstance(report, PostReport) else None,
        posts=group.posts if group else None, members=group.members if group else None,
        active_members=group.active_members if group else None, top=group.top if group else None,
        reach_bars=series_bars([(d.day, _point(d.viewers)) for d in reach.days]),
        cumulative_bars=series_bars([(d.day, _point(d.cumulative)) for d in reach.days]),
        posts_bars=series_bars(list(group.posts_per_day)) if group else None,
        chart_width=WIDTH, chart_height=HEIGHT,
    )


async def show_post(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    try:
        status_id = parse_id(_key(request, "id"))
    except ValueError:
        raise NotFound() from None
    period = _period(request)
    analytics = state(request).services.analytics
    report = await analytics.post(await analytics.post_for(admin.account, admin.user, status_id), period)
    if _csv_wanted(request):
        return _csv(shapes.post_csv(report), "post", str(status_id))
    author = f"@{report.author.username}" if report.author else "unknown"
    return _report_page(request, admin, f"Post by {author}", report, period,
                        f"/admin/analytics/posts/{status_id}", report.status.text)


async def show_author(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    try:
        account_id = parse_id(_key(request, "id"))
    except ValueError:
        raise NotFound() from None
    period = _period(request)
    report = await state(request).services.analytics.author(account_id, period)
    if _csv_wanted(request):
        return _csv(shapes.group_csv(report), "author", str(account_id))
    return _report_page(request, admin, f"Posts by {report.subject}", report, period,
                        f"/admin/analytics/authors/{account_id}")


async def show_department(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    slug = _key(request, "slug")
    period = _period(request)
    report = await state(request).services.analytics.department(slug, period)
    if _csv_wanted(request):
        return _csv(shapes.group_csv(report), "department", slug)
    return _report_page(request, admin, f"Department {report.subject}", report, period,
                        f"/admin/analytics/departments/{slug}")


async def show_campaign(request: Request, admin: Admin) -> Response:
    require_analyst(admin.user)
    tag = _key(request, "tag")
    period = _period(request)
    report = await state(request).services.analytics.campaign(tag, period)
    if _csv_wanted(request):
        return _csv(shapes.group_csv(report), "campaign", tag)
    return _report_page(request, admin, f"Campaign {report.subject}", report, period,
                        f"/admin/analytics/campaigns/{report.subject.lstrip('#')}")
