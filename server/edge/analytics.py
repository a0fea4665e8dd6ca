"""Analytics reports as JSON and CSV, and their period, for every edge alike (API, admin pages, CLI).

Counts only: a report names posts, their authors, departments and
hashtags, never a viewer (``server.services.analytics_privacy``). Every
count of people is a cell: ``{"count": 10}`` shown, ``{"count": null,
"fewer_than": 5}`` hidden in JSON; ``10`` or ``<5`` in CSV. That holds for
``reach``, each day's ``viewers`` and ``cumulative``, a top post's
``reach``, department cells and active members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from activitypub.errors import InvalidInput
from server.services.analytics import Adoption, DepartmentCell, GroupReport, Period, PostReport, Reach, TopPost
from server.services.engagement import csv_text
from storage.reach import InsideEngagement

Entity = dict[str, Any]
CSV_TYPE = "text/csv; charset=utf-8"


def parse_period(values: Mapping[str, str | None]) -> Period:
    """``since`` and ``until`` as ``YYYY-MM-DD`` (either may be missing); a bad one is a clear 422."""
    return Period(_day(values.get("since"), "since"), _day(values.get("until"), "until"))


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD") from None


def engagement_json(engagement: InsideEngagement) -> Entity:
    return {"favourites": engagement.favourites, "reblogs": engagement.reblogs, "replies": engagement.replies,
            "poll_votes": engagement.poll_votes}


def departments_json(cells: Sequence[DepartmentCell]) -> list[Entity]:
    return [{"department": cell.department.username if cell.department else None, **cell.cell.json()}
            for cell in cells]


def reach_json(reach: Reach) -> Entity:
    return {"reach": reach.total.json(),
            "days": [{"day": d.day, "viewers": d.viewers.json(), "cumulative": d.cumulative.json()}
                     for d in reach.days],
            "departments": departments_json(reach.departments)}


def top_json(top: Sequence[TopPost]) -> list[Entity]:
    return [{"id": str(post.status.id), "author": post.author.username if post.author else None,
             "reach": post.reach.json()} for post in top]


def post_json(report: PostReport) -> Entity:
    outside = report.outside
    return {
        "id": str(report.status.id),
        "author": report.author.username if report.author else None,
        "created_at": report.status.created_at.date().isoformat(),
        **reach_json(report.reach),
        "engagement": engagement_json(report.engagement),
        "outside": None if outside is None else
        {"replies": outside.replies, "favourites": outside.favourites, "reblogs": outside.reblogs},
    }


def group_json(report: GroupReport) -> Entity:
    found: Entity = {
        "subject": report.subject, "posts": report.posts,
        "posts_per_day": [{"day": day, "posts": n} for day, n in report.posts_per_day],
        **reach_json(report.reach), "engagement": engagement_json(report.engagement), "top": top_json(report.top),
    }
    if report.members is not None:
        found["members"] = report.members
    if report.active_members is not None:
        found["active_members"] = report.active_members.json()
    return found


def adoption_json(adoption: Adoption) -> Entity:
    return {"staff": adoption.staff,
            "weeks": [{"week": w.week, "active": w.active, "posting": w.posting, "reading": w.reading}
                      for w in adoption.weeks],
            "departments": departments_json(adoption.departments)}


def _rows(kind: str, rows: Iterable[Sequence[object]]) -> list[list[object]]:
    return [[kind, *row] for row in rows]


def _reach_rows(reach: Reach) -> list[list[object]]:
    return [*_rows("reach", [["", "total", reach.total.csv]]),
            *_rows("day", [[d.day, "viewers", d.viewers.csv] for d in reach.days]),
            *_rows("day", [[d.day, "cumulative", d.cumulative.csv] for d in reach.days]),
            *_rows("department", [[c.department.username if c.department else "(none)", "viewers", c.cell.csv]
                                  for c in reach.departments])]


def _engagement_rows(engagement: InsideEngagement) -> list[list[object]]:
    return _rows("engagement", [["", name, value] for name, value in engagement_json(engagement).items()])


HEADER = ("section", "key", "measure", "value")


def post_csv(report: PostReport) -> str:
    rows = [*_reach_rows(report.reach), *_engagement_rows(report.engagement)]
    if report.outside is not None:
        rows += _rows("outside", [["", "replies", report.outside.replies],
                                  ["", "favourites", report.outside.favourites],
                                  ["", "reblogs", report.outside.reblogs]])
    return csv_text(HEADER, rows)


def group_csv(report: GroupReport) -> str:
    rows: list[list[object]] = [*_rows("posts", [["", "total", report.posts]]),
                                *_rows("posts_per_day", [[day, "posts", n] for day, n in report.posts_per_day]),
                                *_reach_rows(report.reach), *_engagement_rows(report.engagement),
                                *_rows("top", [[str(p.status.id), "reach", p.reach.csv] for p in report.top])]
    if report.members is not None:
        rows.append(["members", "", "total", report.members])
    if report.active_members is not None:
        rows.append(["members", "", "active", report.active_members.csv])
    return csv_text(HEADER, rows)


def adoption_csv(adoption: Adoption) -> str:
    rows: list[list[object]] = [["staff", "", "total", adoption.staff]]
    for week in adoption.weeks:
        rows += [["week", week.week, "active", week.active], ["week", week.week, "posting", week.posting],
                 ["week", week.week, "reading", week.reading]]
    rows += [["department", c.department.username if c.department else "(none)", "active", c.cell.csv]
             for c in adoption.departments]
    return csv_text(HEADER, rows)


def csv_name(kind: str, key: str) -> str:
    """A Content-Disposition filename: only letters, digits, dashes and underscores of ``key``."""
    safe = "".join(ch for ch in key if ch.isascii() and (ch.isalnum() or ch in "-_")) or "report"
    return f'attachment; filename="analytics-{kind}-{safe}.csv"'
