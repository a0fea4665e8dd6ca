"""``insideout status queue|approve|decline`` and ``insideout audit``: the review queue from a shell.

Whoever runs the CLI holds the database, so acts as an admin; the audit log
records them as ``cli:<os user>``.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from activitypub.errors import InvalidInput
from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.config import Settings
from server.edge.dates import format_datetime, parse_datetime
from server.events import InProcessEventBus
from server.passwords import Passwords
from server.services.container import Services, build_services
from server.services.review_roles import Reviewer
from storage.ids import parse_id
from storage.models import Page
from storage.protocols import Storage
from storage.review import AuditFilter


def add_status_actions(commands: Any) -> None:
    """The queue's subcommands of ``insideout status``."""
    add_command(commands, "queue", show_queue, "list the posts waiting for a publication decision", access=Access.READS)
    approve = add_command(commands, "approve", approve_item,
                          "approve a queue item: publish it now, or at --at (a worker publishes it then)")
    approve.add_argument("item_id", metavar="ID", help="the queue item id (see: insideout status queue)")
    approve.add_argument("--at", metavar="ISO", help="publish at this time (ISO 8601) instead of now")
    approve.add_argument("--announcer", action="append", metavar="USERNAME",
                         help="the company or a department that announces it (repeatable; default: the company"
                              " and the departments the post mentions)")
    approve.add_argument("--reason", help="why, for the audit log")
    decline = add_command(commands, "decline", decline_item, "decline a queue item; the author reads the reason")
    decline.add_argument("item_id", metavar="ID")
    decline.add_argument("--reason", required=True, help="why (the author is told)")


def register(subparsers: Any) -> None:
    audit = add_command(subparsers, "audit", show_audit,
                        "show the append-only audit log of publication decisions, newest first", access=Access.READS)
    audit.add_argument("--status", metavar="ID", help="only this post")
    audit.add_argument("--actor", help="only this actor, e.g. user:123 or cli:alice")
    audit.add_argument("--action", help="only this action, e.g. approve, decline, publish, unpublish")
    audit.add_argument("--since", metavar="DATE", help="only entries at or after this date (ISO 8601)")
    audit.add_argument("--limit", type=int, default=50, metavar="N", help="at most N entries (default 50)")


def _id(text: str, what: str) -> int:
    try:
        return parse_id(text)
    except ValueError:
        raise CommandFailed(f"not a {what} id: {text!r}") from None


def _reviewer() -> Reviewer:
    return Reviewer.cli(getpass.getuser())


def _services(storage: Storage, settings: Settings) -> Services:
    return build_services(storage, settings, InProcessEventBus(), Passwords())


async def show_queue(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        entries = await _services(storage, settings).review_queries.queue(_reviewer(), Page(limit=200))
    if not entries:
        print("The review queue is empty.")
        return 0
    print(f"{'ID':<20} {'STATUS':<20} {'KIND':<12} {'STATE':<10} {'AUTHOR':<16} ANNOUNCERS / TEXT")
    for entry in entries:
        announcers = ",".join(a.username for a in entry.announcers) or "-"
        text = entry.revision.text.replace("\n", " ")
        print(f"{entry.item.id:<20} {entry.status.id:<20} {entry.item.kind.value:<12} {entry.item.state.value:<10}"
              f" {entry.author.username:<16} {announcers} / {text[:60]}")
        if entry.diff:
            print("\n".join(f"    {line}" for line in entry.diff.splitlines()))
    return 0


async def approve_item(args: argparse.Namespace, settings: Settings) -> int:
    at = parse_datetime(args.at, "--at") if args.at else None
    async with opened_storage(settings) as storage:
        services = _services(storage, settings)
        item = await services.review.approve(_reviewer(), _id(args.item_id, "queue item"), at=at,
                                             announcers=args.announcer, reason=args.reason)
        status = await storage.statuses.get(item.status_id)
    if item.scheduled_at is not None and item.state.value == "scheduled":
        print(f"Approved {item.id}: post {item.status_id} will be published at {format_datetime(item.scheduled_at)}")
    else:
        print(f"Approved {item.id}: post {item.status_id} is published as {status.uri if status else '?'}")
    return 0


async def decline_item(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        item = await _services(storage, settings).review.decline(_reviewer(), _id(args.item_id, "queue item"),
                                                                 args.reason)
    print(f"Declined {item.id} (post {item.status_id}); the author was told why.")
    return 0


async def show_audit(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.limit <= 1000:
        raise InvalidInput("--limit must be between 1 and 1000")
    where = AuditFilter(
        status_id=_id(args.status, "status") if args.status else None, actor=args.actor, action=args.action,
        since=parse_datetime(args.since, "--since") if args.since else None,
    )
    async with opened_storage(settings) as storage:
        entries = await _services(storage, settings).review_queries.audit(_reviewer(), where, Page(limit=args.limit))
    if not entries:
        print("No audit entries match.")
        return 0
    print(f"{'WHEN':<25} {'ACTION':<17} {'STATUS':<20} {'FROM -> TO':<24} {'ACTOR':<20} REASON")
    for entry in entries:
        change = f"{entry.from_state} -> {entry.to_state}"
        print(f"{format_datetime(entry.created_at):<25} {entry.action:<17} {entry.status_id:<20} {change:<24}"
              f" {entry.actor:<20} {entry.reason or ''}")
    return 0
