"""Important posts: a post of the company or a department pinned atop its audience's timelines for a while.

1. **Who and what.** Publishers and admins mark any post of the company or
   of a department; a department's own publishers mark their department's
   (``Reviewer.can_announce_as``). The post must be shared with all staff
   (public or unlisted): its audience then sees it whatever they follow.
   ``until`` is required, in the future, and at most ``MAX_DAYS`` away. A
   missing post is a 404; any other post a 422. Marking and unmarking are
   written to the admin action log.
2. **The audience.** The company's post is for every enabled employee; a
   department's for its members.
3. **Pinning.** While ``until`` has not passed, the post heads the *first*
   page (no cursor) of its audience's home timeline and, for a department,
   of that department's timeline. The regular items stay as they were, also
   as the page cursor, so clients' paging is unchanged (``Pinned``).
4. **Telling the audience.** Marking notifies each member once with a
   Mastodon ``status`` notification, in batches (``Distribution.notify_many``:
   the same streams and pushes as any notification), then calls every
   ``ImportantPostListener`` (mail, wired in by the app) with the members
   the notification reached: nobody blocking or blocked by the author, or
   muting its notifications, is told by mail either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from activitypub.errors import Forbidden, InvalidInput, NotFound
from server.services.admin_log import audit
from server.services.distribution import Distribution
from server.services.review_roles import Reviewer
from storage.announcements import ImportantStatus
from storage.clock import to_db, utcnow
from storage.models import Account, AccountKind, Page, Reader, Status, Visibility
from storage.protocols import Storage

MAX_DAYS = 90
NOT_ORGANISATIONAL = "Only a post by the company or a department can be marked important"
NOT_SHARED = "Only a public or unlisted post can be marked important"
NOT_YOURS = "Only publishers and admins, or a department's publishers for its posts, can mark a post important"


class ImportantPostListener(Protocol):
    async def important_post_marked(self, status_id: int, audience_account_ids: Sequence[int]) -> None: ...


@dataclass(frozen=True, slots=True)
class Pinned:
    """A timeline page: the important posts to show first, and the regular ids (the page cursor)."""

    important: Sequence[ImportantStatus]
    regular: Sequence[int]

    @property
    def until(self) -> dict[int, datetime]:
        return {i.status_id: i.until for i in self.important}

    @property
    def shown(self) -> list[int]:
        pinned = [i.status_id for i in self.important]
        return [*pinned, *(i for i in self.regular if i not in set(pinned))]


def check_until(until: datetime | None) -> datetime:
    """``until`` itself if it is given, in the future and at most ``MAX_DAYS`` away; InvalidInput otherwise."""
    now = utcnow()
    if until is None:
        raise InvalidInput("until is required: the date and time the post stops being important")
    if until <= now:
        raise InvalidInput("until must be in the future")
    if until > now + timedelta(days=MAX_DAYS):
        raise InvalidInput(f"until must be at most {MAX_DAYS} days away")
    return until


def first_page(page: Page) -> bool:
    return page.max_id is None and page.since_id is None and page.min_id is None


class ImportantPosts:
    def __init__(self, storage: Storage, distribution: Distribution,
                 listeners: Sequence[ImportantPostListener] = ()) -> None:
        self._storage = storage
        self._distribution = distribution
        self.listeners = list(listeners)

    async def mark(self, reviewer: Reviewer, status_id: int, until: datetime | None) -> ImportantStatus:
        status, author = await self._markable(reviewer, status_id)
        until = check_until(until)
        now = utcnow()
        async with self._storage.transaction():
            marked = await self._storage.important_statuses.mark(status.id, until, reviewer.label, now)
            await audit(self._storage, reviewer.label, "mark_important", "status", status.id, until=to_db(until))
        audience = await self.audience(author)
        # Told by mail are only those the notification reached: not who blocks or is blocked by the author,
        # nor who mutes its notifications.
        notified = await self._distribution.notify_many(audience, author, "status", status.id)
        for listener in self.listeners:
            await listener.important_post_marked(status.id, notified)
        return marked

    async def unmark(self, reviewer: Reviewer, status_id: int) -> None:
        status, _ = await self._markable(reviewer, status_id)
        async with self._storage.transaction():
            if await self._storage.important_statuses.unmark(status.id):
                await audit(self._storage, reviewer.label, "unmark_important", "status", status.id)

    async def audience(self, author: Account) -> list[int]:
        ids = await self._storage.important_statuses.audience_ids(
            author.id, everyone=author.kind is AccountKind.COMPANY)
        return [i for i in ids if i != author.id]

    async def _markable(self, reviewer: Reviewer, status_id: int) -> tuple[Status, Account]:
        if not reviewer.reviews:
            raise Forbidden(NOT_YOURS, detail=f"{reviewer.label} publishes for nobody")
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None or status.reblog_of_id is not None:
            raise NotFound()
        author = await self._storage.accounts.get(status.account_id)
        if author is None or not author.is_local or author.kind not in (AccountKind.COMPANY, AccountKind.DEPARTMENT):
            raise InvalidInput(NOT_ORGANISATIONAL)
        if status.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
            raise InvalidInput(NOT_SHARED)
        if not reviewer.can_announce_as(author.id):
            raise Forbidden(NOT_YOURS, detail=f"{reviewer.label} on status {status.id}")
        return status, author

    async def markable(self, reviewer: Reviewer, status: Status) -> bool:
        """Whether ``reviewer`` may mark ``status`` important (the web app offers the action only then)."""
        if not reviewer.reviews or status.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
            return False
        if status.reblog_of_id is not None or not reviewer.can_announce_as(status.account_id):
            return False
        author = await self._storage.accounts.get(status.account_id)
        return author is not None and author.is_local and author.kind in (AccountKind.COMPANY, AccountKind.DEPARTMENT)

    async def current(self, status_ids: Sequence[int]) -> Mapping[int, ImportantStatus]:
        """Those of ``status_ids`` important now (the web app's badge)."""
        return await self._storage.important_statuses.current(status_ids, utcnow())

    async def home(self, reader: Reader, page: Page, regular: Sequence[int]) -> Pinned:
        if not first_page(page):
            return Pinned((), regular)
        found = await self._storage.important_statuses.for_home(reader.account_id, utcnow())
        return await self._visible(reader, found, regular)

    async def department(self, reader: Reader, department: Account, page: Page, regular: Sequence[int]) -> Pinned:
        if not first_page(page):
            return Pinned((), regular)
        found = await self._storage.important_statuses.by_author(department.id, utcnow())
        return await self._visible(reader, found, regular)

    async def _visible(self, reader: Reader, important: Sequence[ImportantStatus], regular: Sequence[int]) -> Pinned:
        if not important:
            return Pinned((), regular)
        visible = await self._storage.timelines.visible_ids(reader, [i.status_id for i in important])
        return Pinned([i for i in important if i.status_id in visible], regular)
