"""Mail as one app holds it: the pieces built from ``[email]``, the workers, and the CLI's two commands.

Without an ``[email]`` section there are no notices (nothing is ever
queued) and no workers; presence and the unsubscribe links still work, so
the settings page and an old mail's link keep answering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.config import EmailSettings, Settings
from server.services.mail.compose import MailWriter
from server.services.mail.digest import DigestBuilder, DigestWorker, week_of
from server.services.mail.message import build_message
from server.services.mail.notices import MailNotices
from server.services.mail.presence import Presence
from server.services.mail.smtp import SmtpConnection
from server.services.mail.unsubscribe import MailLinks
from server.services.mail.worker import MailWorker, Sender
from storage.clock import utcnow
from storage.protocols import Storage

CLI_LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Mail:
    settings: EmailSettings | None
    writer: MailWriter
    links: MailLinks
    presence: Presence
    notices: MailNotices | None
    """None without ``[email]``: nothing is queued."""
    sender: Sender

    @property
    def enabled(self) -> bool:
        return self.settings is not None


def build_mail(storage: Storage, settings: Settings) -> Mail:
    writer = MailWriter(settings.base_url, settings.organization.name)
    links = MailLinks(storage, settings.base_url)
    email = settings.email
    notices = MailNotices(storage, email, writer, links) if email is not None else None
    sender = Sender(email.from_address if email else "", settings.organization.name, settings.base_url)
    return Mail(email, writer, links, Presence(storage), notices, sender)


def mail_workers(
    storage: Storage, mail: Mail, *, worker_id: str, clock: Callable[[], datetime] = utcnow
) -> list[MailWorker | DigestWorker]:
    """The ``mail`` queue's workers: the outbox and the weekly digest; none without ``[email]``."""
    if mail.settings is None:
        return []
    builder = DigestBuilder(storage, mail.writer, mail.links)
    return [MailWorker(storage, mail.settings, mail.sender, mail.presence, mail.writer, worker_id=worker_id,
                       clock=clock),
            DigestWorker(storage, mail.settings, builder, worker_id=f"digest:{worker_id}", clock=clock)]


async def send_test(settings: Settings, address: str) -> None:
    """One mail to ``address`` now, not through the queue; raises ``SmtpProblem`` saying what failed."""
    email = settings.email
    if email is None:
        raise ValueError("no [email] section")
    writer = MailWriter(settings.base_url, settings.organization.name)
    written = writer.test(f"{email.smtp_host}:{email.smtp_port}")
    message = build_message(sender=email.from_address, sender_name=settings.organization.name, to=address,
                            subject=written.subject, text=written.text, html=written.html, unsubscribe_url=None,
                            base_url=settings.base_url, at=utcnow(), reference="test")
    async with SmtpConnection(email) as connection:
        await connection.send(message)


async def digest_now(storage: Storage, mail: Mail, now: datetime, *, worker_id: str) -> tuple[str, bool, int]:
    """Open this week's digest run (whatever the day) and queue it to the end; (week, newly opened, mails queued)."""
    week = week_of(now)
    opened = await storage.mail.start_digest(week, now)
    builder = DigestBuilder(storage, mail.writer, mail.links)
    queued = 0
    while (run := await storage.mail.claim_digest(worker_id, now, now + CLI_LEASE)) is not None:
        _, added, last, finished = await builder.batch(run, now)
        queued += added
        await storage.mail.advance_digest(run.week, worker_id, last, added, now if finished else None)
    return week, opened, queued
