"""What the author hears about publication decisions, and the deciders about new work: messages from the company.

Stock Mastodon clients show a ``mention`` notification with the message's
text, so the author reads what was decided and why (a decline's reason, a
scheduled time) in any app. The message is ``direct`` to the author and
never leaves the server. Only when there is no company account to speak
does nothing get sent.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Protocol

from activitypub.uris import Uris
from server.services.distribution import Distribution
from storage.models import Account, AccountKind, MemberRole, NewStatus, Role, Status, Visibility
from storage.protocols import Storage

PROFILE_NOTE = "Your public profile (display name, avatar and public bio) is visible outside too."


class DecisionMail(Protocol):
    """Mails the author a decision on their proposed post (``server.services.mail``), if they want it."""

    async def proposal_decided(self, author: Account, status: Status, headline: str, reason: str | None) -> None: ...


class AuthorNotices:
    def __init__(
        self, storage: Storage, base_url: str, distribution: Distribution, *, mail: DecisionMail | None = None
    ) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._distribution = distribution
        self._mail = mail

    async def published(self, author: Account, status: Status, reason: str | None = None) -> None:
        await self._tell(author, status, "Your post {link} is now published outside the organisation."
                         f"{_reason(reason)} {PROFILE_NOTE}")
        await self._mail_author(author, status, "Your post is published outside the organisation", reason)

    async def revision_published(self, author: Account, status: Status) -> None:
        await self._tell(author, status, "Your edit of {link} is approved: outside, the post now shows it.")
        await self._mail_author(author, status, "Your edit is approved and published outside", None)

    async def scheduled(self, author: Account, status: Status, at: datetime) -> None:
        when = at.strftime("%Y-%m-%d %H:%M UTC")
        await self._tell(author, status, f"Your post {{link}} is approved and will be published outside at {when}.")
        await self._mail_author(author, status, f"Your post is approved and will be published outside at {when}",
                                None)

    async def declined(self, author: Account, status: Status, reason: str, *, revision: bool) -> None:
        if revision:
            text = "Your edit of {link} was not approved; outside, the post keeps its approved version."
        else:
            text = "Your post {link} was not approved for publication outside."
        await self._tell(author, status, f"{text}{_reason(reason)}")
        headline = "Your edit was not approved" if revision else "Your post was not approved for publication"
        await self._mail_author(author, status, headline, reason)

    async def _mail_author(self, author: Account, status: Status, headline: str, reason: str | None) -> None:
        if self._mail is not None and author.is_local and author.kind is AccountKind.EMPLOYEE:
            await self._mail.proposal_decided(author, status, headline, reason)

    async def inert_nomination(self, author: Account, status: Status) -> None:
        await self._tell(author, status, "Your post {link} carries the nomination hashtag, but only public or"
                         " unlisted posts can be published outside, so it was not nominated.")

    async def _tell(self, author: Account, status: Status, template: str) -> None:
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        # Only a person reads these: posts made as the company or a department need no notice.
        if not companies or not author.is_local or author.kind is not AccountKind.EMPLOYEE:
            return
        company = companies[0]
        link = Uris.of(self._base).status_page(author.username, str(status.id))
        text = template.replace("{link}", link)
        mention = (f'<span class="h-card" translate="no"><a href="{escape(self._base)}/@{escape(author.username)}"'
                   f' class="u-url mention">@<span>{escape(author.username)}</span></a></span>')
        html_text = escape(text).replace(
            escape(link), f'<a href="{escape(link)}" rel="nofollow noopener" target="_blank">{escape(link)}</a>'
        )
        async with self._distribution.atomic():
            notice = await self._storage.statuses.create(NewStatus(
                account_id=company.id, visibility=Visibility.DIRECT, text=f"@{author.username} {text}",
                content=f"<p>{mention} {html_text}</p>", mention_ids=(author.id,),
            ))
            await self._distribution.status_created(notice, company, (author.id,))


def _reason(reason: str | None) -> str:
    return f" Reason: {reason.strip()}" if reason and reason.strip() else ""


class ReviewerNotices:
    """What the deciders hear when a post enters the review queue: a direct message from the company each.

    The deciders are the admins and publishers, and the publishers of each
    department the post is addressed to (``review_roles``), never the author
    and never a disabled login. Like the authors' notices, it is a ``mention``
    notification in any Mastodon client, and it never leaves the server.
    """

    def __init__(self, storage: Storage, base_url: str, distribution: Distribution) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._distribution = distribution

    async def queued(self, author: Account, status: Status, *, revision: bool) -> None:
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        if not companies:
            return
        link = Uris.of(self._base).status_page(author.username, str(status.id))
        what = "An edit of a published post" if revision else "A post"
        queue = f"{self._base}/admin/queue"
        text = f"{what} by @{author.username} waits for review: {link} (the queue: {queue})"
        html_text = escape(text)
        for url in (link, queue):
            html_text = html_text.replace(escape(url), f'<a href="{escape(url)}" rel="nofollow noopener">{escape(url)}</a>')
        deciders = [d for d in await self.deciders(status) if d.id != author.id]
        async with self._distribution.atomic():
            for decider in deciders:
                await self._tell(companies[0], decider, text, html_text)

    async def deciders(self, status: Status) -> list[Account]:
        """Who may decide about ``status``: enabled admins and publishers, and its departments' publishers."""
        users = await self._storage.accounts.list_users()
        enabled = {account.id: account for account, user in users if not user.disabled}
        chosen = {account.id for account, user in users
                  if not user.disabled and user.role in (Role.ADMIN, Role.PUBLISHER)}
        for department_id in (await self._storage.statuses.mention_ids([status.id])).get(status.id, []):
            for member in await self._storage.departments.members(department_id):
                if member.role is MemberRole.PUBLISHER and member.account_id in enabled:
                    chosen.add(member.account_id)
        return [enabled[i] for i in sorted(chosen)]

    async def _tell(self, company: Account, decider: Account, text: str, html_text: str) -> None:
        name = escape(decider.username)
        mention = (f'<span class="h-card" translate="no"><a href="{escape(self._base)}/@{name}"'
                   f' class="u-url mention">@<span>{name}</span></a></span>')
        notice = await self._storage.statuses.create(NewStatus(
            account_id=company.id, visibility=Visibility.DIRECT, text=f"@{decider.username} {text}",
            content=f"<p>{mention} {html_text}</p>", mention_ids=(decider.id,),
        ))
        await self._distribution.status_created(notice, company, (decider.id,))
