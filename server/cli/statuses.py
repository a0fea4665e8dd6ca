"""``insideout status ...``: publish a post outside, or retract it."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from server.cli import review
from server.cli.common import CommandFailed, add_command, opened_storage
from server.config import Settings
from server.events import InProcessEventBus
from server.passwords import Passwords
from server.services.container import build_services
from server.services.review_roles import Reviewer
from storage.ids import parse_id


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="publish, retract and review posts",
                                   description="Publish, retract and review posts.")
    commands = parser.add_subparsers(dest="status_command", metavar="ACTION", required=True)
    publish = add_command(
        commands, "publish", publish_status,
        "publish the latest revision of a post outside (Create from the author, Announce from the announcers)",
    )
    publish.add_argument("status_id", metavar="ID")
    publish.add_argument("--announcer", action="append", metavar="USERNAME",
                         help="the company or a department that announces it (repeatable; default: the company"
                              " and the departments the post mentions)")
    publish.add_argument("--reason", help="why, for the audit log")
    unpublish = add_command(
        commands, "unpublish", unpublish_status,
        "retract a published post: Delete and Undo go to every server it reached; its URL answers 410",
    )
    unpublish.add_argument("status_id", metavar="ID")
    unpublish.add_argument("--reason", help="why, for the audit log")
    review.add_status_actions(commands)


def _status_id(text: str) -> int:
    try:
        return parse_id(text)
    except ValueError:
        raise CommandFailed(f"not a status id: {text!r}") from None


async def publish_status(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        services = build_services(storage, settings, InProcessEventBus(), Passwords())
        # Through the review service, so an open queue item for the post is closed with the decision.
        status = await services.review.publish(
            Reviewer.cli(getpass.getuser()), _status_id(args.status_id), announcers=args.announcer,
            reason=args.reason,
        )
        queued = len(await storage.deliveries.for_activity(f"{status.uri}/activity"))
    print(f"Published {status.id} as {status.uri}; {queued} deliveries queued for the Create")
    return 0


async def unpublish_status(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        services = build_services(storage, settings, InProcessEventBus(), Passwords())
        status = await services.review.unpublish(
            Reviewer.cli(getpass.getuser()), _status_id(args.status_id), reason=args.reason
        )
    print(f"Retracted {status.id}; {status.uri} now answers 410 Gone. Other servers were asked to delete it,"
          " which is a request, not a recall.")
    return 0
