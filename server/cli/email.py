"""``insideout email test ADDRESS | digest --now``: check the SMTP settings, start the weekly digest."""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.config import Settings
from server.services.mail.service import build_mail, digest_now, send_test
from server.services.mail.smtp import SmtpProblem
from storage.clock import utcnow

NOT_CONFIGURED = "email is off: add an [email] section (smtp_host, from_address...) to the config"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("email", help="mail to staff through the organisation's SMTP server",
                                   description="Mail to staff through the organisation's SMTP server.")
    commands = parser.add_subparsers(dest="email_command", metavar="ACTION", required=True)
    test = add_command(commands, "test", send_test_mail,
                       "send one test mail now (not through the queue) and say exactly what failed, if anything",
                       access=Access.NONE)
    test.add_argument("address", help="where to send it")
    digest = add_command(commands, "digest", queue_digest,
                         "queue this week's digest for everyone who wants it (the mail workers send it)")
    digest.add_argument("--now", action="store_true", required=True,
                        help="run this week's digest now, whatever [email] digest_weekday and digest_hour say")


async def send_test_mail(args: argparse.Namespace, settings: Settings) -> int:
    email = settings.email
    if email is None:
        raise CommandFailed(NOT_CONFIGURED, 2)
    address = args.address.strip()
    if "@" not in address or any(c.isspace() for c in address):
        raise CommandFailed(f"not a mail address: {args.address!r}", 2)
    try:
        await send_test(settings, address)
    except SmtpProblem as problem:
        raise CommandFailed(f"test mail to {address} not sent: {problem.message}", 1) from None
    print(f"Sent a test mail to {address} through {email.smtp_host}:{email.smtp_port} ({email.smtp_security}).")
    return 0


async def queue_digest(args: argparse.Namespace, settings: Settings) -> int:
    if settings.email is None:
        raise CommandFailed(NOT_CONFIGURED, 2)
    async with opened_storage(settings) as storage:
        week, opened, queued = await digest_now(storage, build_mail(storage, settings), utcnow(), worker_id="cli")
    if not opened and queued == 0:
        print(f"The digest of {week} has already run; nothing more to queue.")
        return 0
    print(f"Digest of {week}: {queued} mails queued; the mail workers send them.")
    return 0
