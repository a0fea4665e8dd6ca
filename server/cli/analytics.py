"""``insideout analytics reach STATUS_ID | adoption | campaign TAG``: counts only, read from the database.

"analytics", because "report" already means a moderation report. Each
command only reads (``Access.READS``): it never creates a database. Views
still buffered in a running server's memory are written within
``[analytics] flush_seconds``; the counts include what is written.
``--format csv`` prints the same CSV as the admin pages and API.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.config import Settings
from server.edge import analytics as shapes
from server.services.analytics import AnalyticsService, DepartmentCell, Period, Reach
from storage.ids import parse_id
from storage.protocols import Storage


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("analytics", help="reach and adoption inside (counts only)",
                                   description="Reach and adoption inside: counts only, never who.")
    commands = parser.add_subparsers(dest="analytics_command", metavar="REPORT", required=True)
    reach = add_command(commands, "reach", show_reach,
                        "a post's reach: `reach: N` (distinct colleagues shown it; `fewer than 5` under"
                        " [analytics] min_group_size), then per day; direct messages are not counted",
                        access=Access.READS)
    reach.add_argument("status_id", metavar="STATUS_ID")
    adoption = add_command(commands, "adoption", show_adoption,
                           "active, posting and reading staff per ISO week", access=Access.READS)
    campaign = add_command(commands, "campaign", show_campaign,
                           "a hashtag as a campaign: posts, reach and engagement over time", access=Access.READS)
    campaign.add_argument("tag", metavar="TAG")
    for command in (reach, adoption, campaign):
        command.add_argument("--since", metavar="YYYY-MM-DD", help="first day of the period")
        command.add_argument("--until", metavar="YYYY-MM-DD", help="last day of the period")
        command.add_argument("--format", choices=("text", "csv"), default="text", help="text (default) or csv")


def _period(args: argparse.Namespace) -> Period:
    return shapes.parse_period({"since": args.since, "until": args.until})


def _service(settings: Settings, storage: Storage) -> AnalyticsService:
    return AnalyticsService(storage, settings.analytics.min_group_size)


def _print_reach(reach: Reach) -> None:
    print(f"reach: {reach.total.text}")
    for day in reach.days:
        print(f"{day.day}  viewers {day.viewers.text}  cumulative {day.cumulative.text}")
    _print_departments(reach.departments)


def _print_departments(cells: Sequence[DepartmentCell]) -> None:
    for cell in cells:
        name = f"@{cell.department.username}" if cell.department else "(no department)"
        print(f"department {name}: {cell.cell.text}")


async def show_reach(args: argparse.Namespace, settings: Settings) -> int:
    try:
        status_id = parse_id(args.status_id)
    except ValueError:
        raise CommandFailed(f"not a status id: {args.status_id!r}") from None
    period = _period(args)
    async with opened_storage(settings) as storage:
        analytics = _service(settings, storage)
        report = await analytics.post(await analytics.local_post(status_id), period)
    if args.format == "csv":
        print(shapes.post_csv(report), end="")
        return 0
    _print_reach(report.reach)
    e = report.engagement
    print(f"engagement: {e.favourites} favourites, {e.reblogs} boosts, {e.replies} replies, {e.poll_votes} poll votes")
    return 0


async def show_adoption(args: argparse.Namespace, settings: Settings) -> int:
    period = _period(args)
    async with opened_storage(settings) as storage:
        adoption = await _service(settings, storage).adoption(period)
    if args.format == "csv":
        print(shapes.adoption_csv(adoption), end="")
        return 0
    print(f"staff: {adoption.staff}")
    print("week of      active  posting  reading")
    for week in adoption.weeks:
        print(f"{week.week}  {week.active:6}  {week.posting:7}  {week.reading:7}")
    _print_departments(adoption.departments)
    return 0


async def show_campaign(args: argparse.Namespace, settings: Settings) -> int:
    period = _period(args)
    async with opened_storage(settings) as storage:
        report = await _service(settings, storage).campaign(args.tag, period)
    if args.format == "csv":
        print(shapes.group_csv(report), end="")
        return 0
    print(f"campaign: {report.subject}")
    print(f"posts: {report.posts}")
    for day, count in report.posts_per_day:
        print(f"{day}  posts {count}")
    _print_reach(report.reach)
    e = report.engagement
    print(f"engagement: {e.favourites} favourites, {e.reblogs} boosts, {e.replies} replies, {e.poll_votes} poll votes")
    return 0
