"""``insideout announcement create|list|end``: announcements to staff, as an admin (the CLI is one).

``create`` takes ``--text``, ``--starts-at`` and ``--ends-at`` (ISO 8601,
UTC unless an offset is given), ``--all-day``, and ``--department SLUG``
(repeatable; none: everyone). Each create and end is in the audit log as
``cli:<os user>``.
"""

from __future__ import annotations

import argparse
import getpass
from datetime import datetime
from typing import Any

from activitypub.errors import InvalidInput
from server.cli.common import Access, CommandFailed, add_command, opened_storage, print_table
from server.config import Settings
from server.edge.dates import parse_datetime
from server.events import InProcessEventBus
from server.services.announcements import AnnouncementDraft, AnnouncementService
from server.services.review_roles import Reviewer
from storage.clock import utcnow
from storage.protocols import Storage


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("announcement", help="announcements to staff",
                                   description="Write, list and end announcements to staff.")
    commands = parser.add_subparsers(dest="announcement_command", metavar="ACTION", required=True)

    create = add_command(commands, "create", create_announcement, "write an announcement (shown at once)")
    create.add_argument("--text", required=True, help="plain text; links, @mentions and #hashtags are linked")
    create.add_argument("--starts-at", metavar="ISO", help="when it starts showing (default: now)")
    create.add_argument("--ends-at", metavar="ISO", help="when it stops showing (default: until ended)")
    create.add_argument("--all-day", action="store_true", help="the times are whole days (apps show dates only)")
    create.add_argument("--department", metavar="SLUG", action="append", default=[],
                        help="only for this department's members (repeatable; default: everyone)")

    add_command(commands, "list", list_announcements, "list announcements with state, times and reactions",
                access=Access.READS)

    end = add_command(commands, "end", end_announcement, "end an announcement now")
    end.add_argument("id", type=int)


def _service(storage: Storage, settings: Settings) -> AnnouncementService:
    return AnnouncementService(storage, settings.base_url, InProcessEventBus())


def _reviewer() -> Reviewer:
    return Reviewer.cli(getpass.getuser())


def _time(raw: str | None, option: str) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_datetime(raw, option)
    except InvalidInput as refused:
        raise CommandFailed(refused.public_message) from None


async def create_announcement(args: argparse.Namespace, settings: Settings) -> int:
    draft = AnnouncementDraft(text=args.text, starts_at=_time(args.starts_at, "--starts-at"),
                              ends_at=_time(args.ends_at, "--ends-at"), all_day=args.all_day,
                              departments=tuple(args.department))
    async with opened_storage(settings) as storage:
        announcement = await _service(storage, settings).create(_reviewer(), draft)
    print(f"Created announcement {announcement.id}")
    return 0


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


async def list_announcements(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        service = _service(storage, settings)
        summaries = await service.listing(_reviewer())
    rows = [(str(s.announcement.id), s.state, _when(s.announcement.starts_at or s.announcement.published_at),
             _when(s.announcement.ended_at or s.announcement.ends_at),
             ",".join(d.username for d in s.departments) or "everyone", str(s.reaction_count), str(s.dismissals),
             s.announcement.text.replace("\n", " ")[:40]) for s in summaries]
    print_table(rows, ("ID", "STATE", "STARTS", "ENDS", "AUDIENCE", "REACTIONS", "DISMISSED", "TEXT"))
    return 0


async def end_announcement(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        announcement = await _service(storage, settings).end(_reviewer(), args.id)
    ended = announcement.ended_at or utcnow()
    print(f"Ended announcement {announcement.id} at {_when(ended)} UTC")
    return 0
