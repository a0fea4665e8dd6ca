"""What an employee hears about an admin's decision on their account: a direct message from the company.

Stock Mastodon clients show it as a ``mention`` notification with the text,
like the publication notices of ``review_notices``. It is ``direct`` to the
employee and never leaves the server; without a company account nothing is sent.
"""

from __future__ import annotations

from html import escape

from server.services.distribution import Distribution
from storage.models import Account, AccountKind, NewStatus, Status, Visibility
from storage.protocols import Storage


class AccountNotices:
    def __init__(self, storage: Storage, base_url: str, distribution: Distribution) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._distribution = distribution

    async def tell(self, employee: Account, text: str) -> Status | None:
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        if not companies or employee.kind is not AccountKind.EMPLOYEE:
            return None
        company = companies[0]
        name = escape(employee.username)
        mention = (f'<span class="h-card" translate="no"><a href="{escape(self._base)}/@{name}"'
                   f' class="u-url mention">@<span>{name}</span></a></span>')
        async with self._distribution.atomic():
            notice = await self._storage.statuses.create(NewStatus(
                account_id=company.id, visibility=Visibility.DIRECT, text=f"@{employee.username} {text}",
                content=f"<p>{mention} {escape(text)}</p>", mention_ids=(employee.id,),
            ))
            await self._distribution.status_created(notice, company, (employee.id,))
        return notice
