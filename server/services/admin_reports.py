"""Reports for the admins: ``Flag``s from partners and reports by staff, in one list, with audited actions.

Both kinds share the snowflake id space, so one id names one report. The
actions close the report: dismiss, delete the reported posts (local posts
through ``StatusService.delete``, which retracts them outside if they were
published; remote posts are removed here), disable the reported employee,
or block the reported account's domain through the runtime policy.

Forwarding is separate and only for staff reports about an outside
account: a ``Flag`` from the company goes to that account's server through
the delivery queue and its guard. It names only the outside account, its
own posts and the comment the admin sends (the reporter's comment unless
replaced), never the reporter.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from activitypub.errors import Conflict, InvalidInput, NotFound
from activitypub.uris import Uris
from federation.sender import Sender
from server.services.admin_accounts import AdminAccounts
from server.services.admin_log import audit
from server.services.distribution import Distribution
from server.services.federation_admin import FederationAdmin
from server.services.statuses import StatusService
from storage.admin import DomainRuleKind, ReportClosure
from storage.curation import StaffReport
from storage.models import Account, AccountKind, Report, Status, Visibility
from storage.protocols import Storage

WIDELY_SHARED = (Visibility.PUBLIC, Visibility.UNLISTED)
MAX_FORWARD_COMMENT = 1000


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    origin: str
    """``staff`` (filed from a client) or ``remote`` (a Flag from a partner)."""
    reporter: Account | None
    reporter_uri: str | None
    targets: Sequence[Account]
    statuses: Sequence[Status]
    """Reported posts an admin may see: public or unlisted only."""
    object_uris: Sequence[str]
    comment: str
    category: str
    forward_requested: bool
    forwarded_at: datetime | None
    created_at: datetime
    closure: ReportClosure | None


class AdminReports:
    def __init__(
        self, storage: Storage, base_url: str, statuses: StatusService, accounts: AdminAccounts,
        federation: FederationAdmin, sender: Sender, distribution: Distribution,
    ) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._statuses = statuses
        self._accounts = accounts
        self._federation = federation
        self._sender = sender
        self._distribution = distribution

    async def reports(self, *, resolved: bool = False, limit: int = 100) -> Sequence[ReportView]:
        staff = await self._storage.staff_reports.recent(unresolved_only=not resolved, limit=limit)
        remote = [r for r in await self._storage.moderation.list_reports() if (r.state == "resolved") is resolved]
        views = [*[await self._staff_view(r) for r in staff if (r.action_taken_at is not None) is resolved],
                 *[await self._remote_view(r) for r in remote]]
        closures = await self._storage.admin.report_closures([v.id for v in views])
        views = [_with_closure(v, closures.get(v.id)) for v in views]
        return sorted(views, key=lambda v: v.id, reverse=True)[:limit]

    async def get(self, report_id: int) -> ReportView:
        staff = await self._storage.staff_reports.get(report_id)
        if staff is not None:
            view = await self._staff_view(staff)
        else:
            remote = next((r for r in await self._storage.moderation.list_reports() if r.id == report_id), None)
            if remote is None:
                raise NotFound()
            view = await self._remote_view(remote)
        closures = await self._storage.admin.report_closures([report_id])
        return _with_closure(view, closures.get(report_id))

    async def authors(self, views: Sequence[ReportView]) -> Mapping[int, Account]:
        """The authors of the reported posts shown in these reports, by id."""
        return await self._storage.accounts.get_many(sorted({s.account_id for v in views for s in v.statuses}))

    async def resolve(self, actor: str, report_id: int, action: str = "dismiss", **detail: str) -> ReportView:
        view = await self.get(report_id)
        async with self._storage.transaction():
            if view.origin == "staff":
                closed = await self._storage.admin.close_staff_report(report_id, actor)
            else:
                closed = await self._storage.admin.close_report(report_id, actor)
            if closed:
                await audit(self._storage, actor, f"report.{action}", "report", report_id, **detail)
        return await self.get(report_id)

    async def delete_statuses(self, actor: str, report_id: int) -> ReportView:
        view = await self.get(report_id)
        if not view.statuses:
            raise InvalidInput("This report names no public or unlisted post to delete")
        for status in view.statuses:
            await self._delete(actor, status, report_id)
        return await self.resolve(actor, report_id, "delete_statuses",
                                  statuses=",".join(str(s.id) for s in view.statuses))

    async def disable_account(self, actor: str, report_id: int) -> ReportView:
        view = await self.get(report_id)
        employees = [t for t in view.targets if t.kind is AccountKind.EMPLOYEE]
        if not employees:
            raise InvalidInput("This report names no employee account to disable")
        for employee in employees:
            await self._accounts.disable(actor, employee.id, reason=f"report {report_id}")
        return await self.resolve(actor, report_id, "disable_account",
                                  accounts=",".join(str(e.id) for e in employees))

    async def block_domain(self, actor: str, report_id: int) -> ReportView:
        view = await self.get(report_id)
        domains = sorted({t.domain for t in view.targets if t.domain is not None})
        if not domains:
            raise InvalidInput("This report names no outside account whose domain could be blocked")
        for domain in domains:
            if not self._federation_blocks(domain):
                await self._federation.add(actor, DomainRuleKind.BLOCK, domain,
                                           private_comment=f"report {report_id}")
        return await self.resolve(actor, report_id, "block_domain", domains=",".join(domains))

    async def forward(self, actor: str, report_id: int, comment: str | None = None) -> int:
        """Queue the Flag to the reported account's server; returns the deliveries queued."""
        view = await self.get(report_id)
        if view.origin != "staff":
            raise InvalidInput("Only reports by staff can be forwarded")
        target = view.targets[0] if view.targets else None
        if target is None or target.is_local or target.uri is None:
            raise InvalidInput("Only reports about an outside account can be forwarded")
        if view.forwarded_at is not None:
            raise Conflict("This report was already forwarded")
        company = await self._company()
        text = (view.comment if comment is None else comment).strip()[:MAX_FORWARD_COMMENT]
        flag = self._flag(company, target, text, view)
        async with self._storage.transaction():
            queued = await self._sender.send(flag, company, [target])
            if not queued:
                raise InvalidInput("The reported account's server cannot be reached (blocked or unavailable)")
            await self._storage.admin.mark_staff_report_forwarded(report_id)
            await audit(self._storage, actor, "report.forward", "report", report_id, domain=target.domain or "",
                        activity=flag["id"], deliveries=str(queued))
        return queued

    def _flag(self, company: Account, target: Account, text: str, view: ReportView) -> dict[str, Any]:
        # Only outside things: the account, its own posts, the comment. The id is random, not the report's.
        objects = [target.uri, *(s.uri for s in view.statuses if not s.local and s.account_id == target.id and s.uri)]
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{Uris.of(self._base).actor(company.username)}#flags/{secrets.token_hex(16)}",
            "type": "Flag",
            "actor": Uris.of(self._base).actor(company.username),
            "content": text,
            "object": objects,
        }

    def _federation_blocks(self, domain: str) -> bool:
        return self._federation.policy.current.is_blocked(domain)

    async def _delete(self, actor: str, status: Status, report_id: int) -> None:
        author = await self._storage.accounts.get(status.account_id)
        if author is None:
            return
        async with self._storage.transaction():
            if status.local:
                await self._statuses.delete(author, status.id)
            else:
                await self._storage.statuses.delete(status.id)
                await self._distribution.status_deleted(status, [])
            await audit(self._storage, actor, "status.delete", "status", status.id, report=str(report_id),
                        uri=status.uri or "")

    async def _company(self) -> Account:
        companies = await self._storage.accounts.list_local(AccountKind.COMPANY)
        if not companies:
            raise InvalidInput("There is no company account to forward reports as")
        return companies[0]

    async def _shared_statuses(self, ids: Sequence[int]) -> list[Status]:
        found = await self._storage.statuses.get_many(ids)
        return [s for i in ids if (s := found.get(i)) is not None and s.deleted_at is None
                and s.visibility in WIDELY_SHARED]

    async def _staff_view(self, report: StaffReport) -> ReportView:
        accounts = await self._storage.accounts.get_many([report.account_id, report.target_account_id])
        target = accounts.get(report.target_account_id)
        return ReportView(
            id=report.id, origin="staff", reporter=accounts.get(report.account_id), reporter_uri=None,
            targets=[target] if target else [], statuses=await self._shared_statuses(report.status_ids),
            object_uris=(), comment=report.comment, category=report.category.value,
            forward_requested=report.forward, forwarded_at=report.forwarded_at, created_at=report.created_at,
            closure=None,
        )

    async def _remote_view(self, report: Report) -> ReportView:
        accounts = await self._storage.accounts.get_many(
            [*report.target_account_ids, *([report.reporter_id] if report.reporter_id else [])])
        statuses = [s for uri in report.target_object_uris if (s := await self._storage.statuses.get_by_uri(uri))]
        return ReportView(
            id=report.id, origin="remote",
            reporter=accounts.get(report.reporter_id) if report.reporter_id else None,
            reporter_uri=report.reporter_uri,
            targets=[accounts[i] for i in report.target_account_ids if i in accounts],
            statuses=await self._shared_statuses([s.id for s in statuses]),
            object_uris=report.target_object_uris, comment=report.comment, category="other",
            forward_requested=False, forwarded_at=None, created_at=report.received_at, closure=None,
        )


def _with_closure(view: ReportView, closure: ReportClosure | None) -> ReportView:
    return view if closure is None else replace(view, closure=closure)
