"""Reports staff file from a client about an account and some of its statuses.

A report stays inside: it waits for the admins (``AdminReports``), and a
requested forward is only recorded; an admin decides whether it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence

from activitypub.errors import NotFound
from storage.curation import NewStaffReport, StaffReport
from storage.models import Account, Reader
from storage.protocols import Storage


class StaffReportService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def target(self, account_id: int | None) -> Account:
        """The reported account; none named, or an unknown one, is not found."""
        target = await self._storage.accounts.get(account_id) if account_id is not None else None
        if target is None:
            raise NotFound()
        return target

    async def reported_statuses(self, reporter: Reader, target: Account, ids: Sequence[int]) -> tuple[int, ...]:
        """Only statuses of the target that the reporter may see; any other id is not found."""
        statuses = await self._storage.statuses.get_many(ids)
        visible = await self._storage.timelines.visible_ids(reporter, ids)
        for status_id in ids:
            status = statuses.get(status_id)
            if status is None or status.account_id != target.id or status_id not in visible:
                raise NotFound()
        return tuple(ids)

    async def file(self, report: NewStaffReport) -> StaffReport:
        return await self._storage.staff_reports.create(report)
