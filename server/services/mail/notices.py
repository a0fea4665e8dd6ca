"""Queueing mail where things happen: a mention, a decision on a proposed post, an important post.

Each hook only writes outbox rows (inside the caller's transaction when
there is one); the worker sends them. Mail goes only to active employees'
staff addresses (``MailStore.wanting``), and only for the kinds they want.

**Mentions and direct messages while away.** A ``mention`` notification
(a direct message is one too) queues a mail due ``away_minutes`` later.
When it is due the worker asks again: if any app of the person's was used
since the notification (``Presence.seen_since``) or their notifications
marker is past it, the person has seen it and the mail is cancelled.
That is Mastodon's rule (it checks at send time whether the recipient is
online), with "online" widened to "seen by any app in the last N minutes".
The worker also re-checks that the person may still read the post and is
still mentioned, and writes the mail again from the post as it is then.
The company's own direct notices (publication decisions, the review
queue) are not mailed as mentions: decisions have their own kind.

**Important posts.** ``important_post_marked`` implements the
``ImportantPostListener`` of the important posts: one mail per audience
member who wants them, rendered once and personalised only by its
unsubscribe link. The audience is who the ``status`` notification reached
(``Distribution.notify_many``), so nobody blocking or blocked by the author,
or muting its notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from server.config import EmailSettings
from server.services.mail.compose import MailWriter
from server.services.mail.kinds import default_for
from server.services.mail.unsubscribe import MailLinks
from storage.clock import utcnow
from storage.mail import MailKind, NewMail
from storage.models import Account, AccountKind, Notification, Status, Visibility
from storage.protocols import Storage

PLACEHOLDER = "insideout-unsubscribe-placeholder"


class MailNotices:
    def __init__(
        self, storage: Storage, settings: EmailSettings, writer: MailWriter, links: MailLinks, *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._storage = storage
        self._away = timedelta(minutes=settings.away_minutes)
        self._writer = writer
        self._links = links
        self._clock = clock

    # -- Distribution's NotificationListener -------------------------------------------------------------------

    async def notification_created(self, notification: Notification) -> None:
        if notification.type != "mention" or notification.status_id is None:
            return
        kind = MailKind.MENTION
        wanting = await self._storage.mail.wanting([notification.account_id], kind, default_for(kind))
        if not wanting:
            return
        status = await self._storage.statuses.get(notification.status_id)
        sender = await self._storage.accounts.get(notification.from_account_id)
        if status is None or status.deleted_at is not None or sender is None:
            return
        if sender.kind is AccountKind.COMPANY and status.visibility is Visibility.DIRECT:
            return
        recipient = wanting[0]
        unsubscribe = await self._links.unsubscribe_url(recipient.account_id, kind)
        written = self._writer.mention(self._writer.post(status, sender), direct=status.visibility is Visibility.DIRECT,
                                       unsubscribe_url=unsubscribe)
        await self._storage.mail.enqueue([NewMail(
            recipient.account_id, recipient.address, kind, written.subject, written.text, written.html,
            unsubscribe, notification.created_at + self._away,
            notification_id=notification.id, dedupe_key=f"mention:{notification.id}",
        )], self._clock())

    # -- AuthorNotices' decision mail ----------------------------------------------------------------------------

    async def proposal_decided(self, author: Account, status: Status, headline: str, reason: str | None) -> None:
        kind = MailKind.PROPOSAL_DECISION
        wanting = await self._storage.mail.wanting([author.id], kind, default_for(kind))
        if not wanting:
            return
        recipient = wanting[0]
        unsubscribe = await self._links.unsubscribe_url(recipient.account_id, kind)
        written = self._writer.decision(self._writer.post(status, author), headline, reason,
                                        unsubscribe_url=unsubscribe)
        now = self._clock()
        await self._storage.mail.enqueue([NewMail(
            recipient.account_id, recipient.address, kind, written.subject, written.text, written.html, unsubscribe,
            now,
        )], now)

    # -- the important posts' ImportantPostListener --------------------------------------------------------------

    async def important_post_marked(self, status_id: int, audience_account_ids: Sequence[int]) -> None:
        kind = MailKind.IMPORTANT
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            return
        author = await self._storage.accounts.get(status.account_id)
        if author is None:
            return
        audience = [i for i in audience_account_ids if i != author.id]
        recipients = await self._storage.mail.wanting(audience, kind, default_for(kind))
        if not recipients:
            return
        # Rendered once; only the unsubscribe link differs (a URL that escaping leaves as it is).
        written = self._writer.important(self._writer.post(status, author), unsubscribe_url=PLACEHOLDER)
        now = self._clock()
        mails = []
        for recipient in recipients:
            link = await self._links.unsubscribe_url(recipient.account_id, kind)
            mails.append(NewMail(
                recipient.account_id, recipient.address, kind, written.subject,
                written.text.replace(PLACEHOLDER, link), written.html.replace(PLACEHOLDER, link), link, now,
                dedupe_key=f"important:{status_id}:{recipient.account_id}",
            ))
        await self._storage.mail.enqueue(mails, now)
