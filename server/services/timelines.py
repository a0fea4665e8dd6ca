"""Timelines: which statuses a reader sees, in which order, page by page.

Every list here passes through the one visibility rule in storage (the
``Reader``'s eyes): home, the public and hashtag timelines, a department's,
an account's statuses and pins, and the reader's bookmarks and favourites.
The ids come first (they are the page cursor); ``in_order`` then loads the
statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from activitypub.errors import NotFound
from storage.identities import DepartmentTimeline
from storage.models import Account, AccountKind, Page, Reader, Status, StatusFilter
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class Listed:
    """Bookmarks or favourites: the statuses still visible, and the ids of every row, the page cursor."""

    statuses: Sequence[Status]
    cursor_ids: Sequence[int]


class TimelineService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def home(self, reader: Reader, page: Page) -> Sequence[int]:
        return await self._storage.timelines.home(reader, page)

    async def statuses(
        self, reader: Reader, page: Page, flt: StatusFilter, *, account_id: int | None = None,
    ) -> Sequence[int]:
        """The public and hashtag timelines, or one account's statuses (``account_id``)."""
        return await self._storage.timelines.statuses(reader, page, flt, account_id=account_id)

    async def department(self, account_id: int) -> Account:
        """The department whose timeline is asked for; any other account is not found."""
        account = await self._storage.accounts.get(account_id)
        if account is None or account.kind is not AccountKind.DEPARTMENT:
            raise NotFound()
        return account

    async def department_statuses(self, reader: Reader, department: Account, page: Page) -> Sequence[int]:
        """Posts addressed to a department, by its members, or both: the department chooses
        (``department_settings.timeline``)."""
        mode = await self._storage.policies.department_timeline(department.id)
        return await self._storage.timelines.statuses(
            reader, page, StatusFilter(exclude_reblogs=True),
            mentioning=department.id if mode is not DepartmentTimeline.MEMBERS else None,
            by_members_of=department.id if mode is not DepartmentTimeline.MENTIONS else None,
        )

    async def pinned(self, reader: Reader, account_id: int) -> Sequence[int]:
        """The account's pins the reader may see, most recently pinned first."""
        pinned = await self._storage.interactions.pinned_ids(account_id)
        visible = await self._storage.timelines.visible_ids(reader, pinned)
        return [i for i in pinned if i in visible]

    async def listed(self, kind: str, reader: Reader, page: Page) -> Listed:
        """``kind`` "bookmark" or "favourite": the reader's own, newest first."""
        rows = await self._storage.interactions.listed(kind, reader.account_id, page)
        statuses = await self._storage.statuses.get_many([status_id for _, status_id in rows])
        visible = await self._storage.timelines.visible_ids(reader, list(statuses))
        return Listed(statuses=[statuses[s] for _, s in rows if s in visible], cursor_ids=[i for i, _ in rows])

    async def in_order(self, ids: Sequence[int]) -> list[Status]:
        """The statuses of ``ids``, in that order; one deleted meanwhile is left out."""
        statuses = await self._storage.statuses.get_many(ids)
        return [statuses[i] for i in ids if i in statuses]
