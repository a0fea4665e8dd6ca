"""The ``mail`` queue: claim due outbox rows under a lease and send them over one SMTP connection.

For each claimed row, before anything is sent, the worker asks again:

1. the person is still an active employee (a deactivated, offboarded or
   deleted account gets nothing: the row is cancelled) and the mail goes to
   their staff address as it is now;
2. they still want this kind;
3. a mention (a direct message too): the notification still exists; its
   post is not deleted, its author not deleted or deactivated; the person
   may still read it (``TimelineStore.visible_ids``: no block either way,
   a direct message still addressed to them) and is still mentioned in it,
   themselves or through a department of theirs (an edit may drop them);
   and they have not seen it in an app meanwhile. The mail is then written
   again from the post as it is now, so an edit made since the mention is
   what goes out, never the text as it was.

What is left goes out over one connection. A server that refuses the
connection, fails TLS or authentication, or answers 4xx leaves the rows
pending with the error recorded and a later ``next_attempt_at``
(``RetryPolicy``: backoff with jitter, two days); a 5xx for one recipient
fails that row for good. Nothing is dropped on a restart: an unfinished
lease runs out and the rows are claimed again.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from federation.backoff import RetryPolicy
from server.config import EmailSettings
from server.services.mail.compose import MailWriter, Written
from server.services.mail.kinds import default_for
from server.services.mail.message import build_message
from server.services.mail.presence import Presence
from server.services.mail.smtp import SmtpConnection, SmtpProblem
from storage.clock import utcnow
from storage.mail import MailKind, MailState, MailUpdate, QueuedMail, Recipient
from storage.models import Visibility
from storage.profiles import MarkerTimeline
from storage.protocols import Storage

log = logging.getLogger(__name__)
ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Sender:
    """Whom the mail is from, and the instance it links back to."""

    address: str
    name: str
    base_url: str


class MailWorker:
    """Implements ``server.workers.Worker`` for the ``mail_outbox`` rows."""

    name = "mail"

    def __init__(
        self, storage: Storage, settings: EmailSettings, sender: Sender, presence: Presence, writer: MailWriter, *,
        worker_id: str = "mail", batch: int = 50, lease: timedelta = timedelta(minutes=5),
        retry: RetryPolicy | None = None, clock: Callable[[], datetime] = utcnow, idle_seconds: float = 5.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._sender = sender
        self._presence = presence
        self._writer = writer
        self.worker_id = worker_id
        self._batch = batch
        self._lease = lease
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self.idle_seconds = idle_seconds
        self._tls = tls_context

    async def run_once(self) -> int:
        now = self._clock()
        rows = await self._storage.mail.claim(self.worker_id, now, now + self._lease, self._batch)
        if not rows:
            return 0
        updates: dict[int, MailUpdate] = {}
        sendable: list[tuple[QueuedMail, Recipient, Written]] = []
        wanting = await self._wanting(rows)
        for row in rows:
            recipient, written = await self._check(row, wanting.get((row.kind, row.account_id)))
            if recipient is None or isinstance(written, str):
                refusal = written if isinstance(written, str) else ""
                updates[row.id] = MailUpdate(row.id, MailState.CANCELLED, now, attempted=False, last_error=refusal)
            else:
                sendable.append((row, recipient, written))
        if sendable:
            await self._send(sendable, updates)
        await self._storage.mail.complete(self.worker_id, list(updates.values()))
        return len(rows)

    async def _send(
        self, sendable: list[tuple[QueuedMail, Recipient, Written]], updates: dict[int, MailUpdate]
    ) -> None:
        try:
            async with SmtpConnection(self._settings, tls_context=self._tls) as connection:
                for row, recipient, written in sendable:
                    try:
                        await connection.send(self._message(row, recipient, written))
                    except SmtpProblem as problem:
                        updates[row.id] = self._after(row, problem)
                    else:
                        updates[row.id] = MailUpdate(row.id, MailState.SENT, self._clock(), last_status=250)
        except SmtpProblem as problem:
            log.warning("mail server unavailable: %s", problem.message)
            for row, _, _ in sendable:
                if row.id not in updates:
                    updates[row.id] = self._after(row, problem)

    async def _wanting(self, rows: Sequence[QueuedMail]) -> dict[tuple[MailKind, int], Recipient]:
        """Per kind, one question for the whole batch: who is still an active employee wanting it."""
        found = {}
        for kind in {row.kind for row in rows}:
            ids = [row.account_id for row in rows if row.kind is kind]
            for recipient in await self._storage.mail.wanting(ids, kind, default_for(kind)):
                found[(kind, recipient.account_id)] = recipient
        return found

    async def _check(self, row: QueuedMail, recipient: Recipient | None) -> tuple[Recipient | None, Written | str]:
        """The recipient and the mail to send them, or None and why it is cancelled."""
        if recipient is None:
            if await self._storage.mail.recipient(row.account_id) is None:
                return None, "the person is no longer an active employee"
            return None, f"the person switched {row.kind.value} mail off"
        if row.kind is MailKind.MENTION and row.notification_id is not None:
            return recipient, await self._mention_now(row, row.notification_id)
        return recipient, Written(row.subject, row.body_text, row.body_html)

    async def _mention_now(self, row: QueuedMail, notification_id: int) -> Written | str:
        """The mention's mail written from the post as it is now, or why it is not sent."""
        notification = await self._storage.notifications.get(row.account_id, notification_id)
        if notification is None or notification.status_id is None:
            return "the notification is gone"
        status = await self._storage.statuses.get(notification.status_id)
        if status is None or status.deleted_at is not None:
            return "the post is gone"
        author = await self._storage.accounts.get(status.account_id)
        if author is None or await self._storage.mail.gone_authors([author.id]):
            return "the post's author is gone"
        if status.id not in await self._storage.timelines.visible_ids(row.account_id, [status.id]):
            return "the person may no longer read the post"
        if not await self._still_mentioned(row.account_id, status.id):
            return "the person is no longer mentioned in the post"
        if await self._presence.seen_since(row.account_id, notification.created_at):
            return "seen in an app"
        markers = await self._storage.markers.get(row.account_id, [MarkerTimeline.NOTIFICATIONS])
        marker = markers.get(MarkerTimeline.NOTIFICATIONS)
        if marker is not None and marker.last_read_id >= notification_id:
            return "read in an app"
        return self._writer.mention(self._writer.post(status, author), direct=status.visibility is Visibility.DIRECT,
                                    unsubscribe_url=row.unsubscribe_url)

    async def _still_mentioned(self, account_id: int, status_id: int) -> bool:
        mentioned = set((await self._storage.statuses.mention_ids([status_id])).get(status_id, ()))
        if account_id in mentioned:
            return True
        return any(m.department_id in mentioned for m in await self._storage.departments.memberships_of(account_id))

    def _message(self, row: QueuedMail, recipient: Recipient, written: Written) -> EmailMessage:
        return build_message(
            sender=self._sender.address, sender_name=self._sender.name, to=recipient.address,
            subject=written.subject, text=written.text, html=written.html, unsubscribe_url=row.unsubscribe_url,
            base_url=self._sender.base_url, at=self._clock(), reference=f"mail.{row.id}",
        )

    def _after(self, row: QueuedMail, problem: SmtpProblem) -> MailUpdate:
        now = self._clock()
        error = problem.message[:ERROR_CHARS]
        if not problem.retry:
            return MailUpdate(row.id, MailState.FAILED, now, last_status=problem.status, last_error=error)
        next_at = self._retry.next_attempt(row.created_at, row.attempts + 1, now)
        state = MailState.EXPIRED if next_at is None else MailState.PENDING
        return MailUpdate(row.id, state, now, next_attempt_at=next_at, last_status=problem.status, last_error=error)
