"""Analytics inside: the reach and engagement of posts, authors, departments and campaigns; adoption.

Who may ask (``require_analyst``, ``post_for``):

- publishers and admins (``users.role``) see every report;
- a post's author sees that post's report, and so does a token acting as
  the identity that wrote it; anyone else is told the post does not exist
  (404), exactly as for a missing id.
- A direct post is not measured at all (its views are never recorded):
  its author hears 404 "Reach is not counted for direct messages", anyone
  else 404 as for a missing id. Its reach would be a read receipt.

What a report holds: counts only, through ``server.services.analytics_privacy``
(every count of people under ``min_group_size`` hidden, zero included;
every department listed; no differencing). Reach is distinct people shown
a post (``server.services.reach``); over time, the distinct viewers of each
day and the running total of distinct viewers. When the reach itself is
hidden, so is the series of days: the days alone would say when the one
possible reader read.

Periods are UTC days, ``since`` and ``until`` inclusive; ``until`` is today
when not given. A period must lie between ``EARLIEST`` and a year from
today, ``since`` not after ``until``; else 422 (``InvalidInput``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from activitypub.content.hashtags import normalize_hashtag
from activitypub.errors import Forbidden, InvalidInput, NotFound
from server.services.analytics_privacy import Cell, one_cell, suppressed
from server.services.engagement import Tally
from storage.clock import utcnow
from storage.models import Account, AccountKind, Role, Status, User, Visibility
from storage.protocols import Storage
from storage.reach import InsideEngagement, PostSet, ReachDay, week_of

ANALYSTS_ONLY: Final = "Only publishers and admins can read analytics"
TOP_POSTS: Final = 10
DEFAULT_WEEKS: Final = 12
LONGEST_PERIOD: Final = timedelta(days=3 * 366)
EARLIEST: Final = date(2000, 1, 1)
LATEST_AHEAD: Final = timedelta(days=366)
"""How far after today a period may reach."""
DIRECT_NOT_COUNTED: Final = "Reach is not counted for direct messages"


def measured(status: Status) -> bool:
    """Whether ``status``'s reach is measured at all: not a direct message's (its reach is a read receipt)."""
    return status.visibility is not Visibility.DIRECT


def require_analyst(user: User) -> None:
    if user.disabled or user.role not in (Role.PUBLISHER, Role.ADMIN):
        raise Forbidden(ANALYSTS_ONLY, detail=f"user:{user.account_id} ({user.role.value})")


@dataclass(frozen=True, slots=True)
class Period:
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        latest = utcnow().date() + LATEST_AHEAD
        for name, day in (("since", self.since), ("until", self.until)):
            if day is not None and not EARLIEST <= day <= latest:
                raise InvalidInput(f"{name} must be between {EARLIEST.isoformat()} and {latest.isoformat()}")
        if self.since and self.since > (self.until or utcnow().date()):
            raise InvalidInput("since must not be after until" if self.until else
                               "since must not be after until (today, when until is not given)")
        if self.since and self.until and self.until - self.since > LONGEST_PERIOD:
            raise InvalidInput("a period can be at most three years long")

    def posts(self, *, status_id: int | None = None, author_id: int | None = None, department_id: int | None = None,
              tag: str | None = None) -> PostSet:
        return PostSet(status_id=status_id, author_id=author_id, department_id=department_id, tag=tag,
                       since=self.since.isoformat() if self.since else None,
                       until=self.until.isoformat() if self.until else None)


@dataclass(frozen=True, slots=True)
class Day:
    day: str
    viewers: Cell
    cumulative: Cell


@dataclass(frozen=True, slots=True)
class DepartmentCell:
    department: Account | None
    """None: viewers in no department."""
    cell: Cell


@dataclass(frozen=True, slots=True)
class Reach:
    total: Cell
    days: Sequence[Day]
    """Empty when ``total`` is hidden."""
    departments: Sequence[DepartmentCell] = ()


@dataclass(frozen=True, slots=True)
class PostReport:
    status: Status
    author: Account | None
    reach: Reach
    engagement: InsideEngagement
    outside: Tally | None
    """Outside replies, likes and boosts of a published (or retracted) post; None for an internal one."""


@dataclass(frozen=True, slots=True)
class TopPost:
    status: Status
    author: Account | None
    reach: Cell


@dataclass(frozen=True, slots=True)
class GroupReport:
    """An author's, a department's or a campaign's posts in a period."""

    subject: str
    posts: int
    posts_per_day: Sequence[tuple[str, int]]
    reach: Reach
    engagement: InsideEngagement
    top: Sequence[TopPost]
    active_members: Cell | None = None
    members: int | None = None


@dataclass(frozen=True, slots=True)
class Week:
    week: str
    active: int
    posting: int
    reading: int


@dataclass(frozen=True, slots=True)
class Adoption:
    weeks: Sequence[Week]
    staff: int
    departments: Sequence[DepartmentCell] = field(default_factory=tuple)
    """Distinct active people per department over the whole range, small groups hidden."""


def _mondays(period: Period) -> list[str]:
    """The Mondays of the ISO weeks ``period`` touches, oldest first; by default the last ``DEFAULT_WEEKS``."""
    until = period.until or utcnow().date()
    since = period.since or until - timedelta(weeks=DEFAULT_WEEKS - 1)
    monday = date.fromisoformat(week_of(since.isoformat()))
    found: list[str] = []
    while monday <= until:
        found.append(monday.isoformat())
        monday += timedelta(weeks=1)
    return found


def days_of(found: Sequence[ReachDay], min_size: int) -> list[Day]:
    running = 0
    days = []
    for day in found:
        running += day.first_time
        days.append(Day(day.day, one_cell(day.viewers, min_size), one_cell(running, min_size)))
    return days


class AnalyticsService:
    def __init__(self, storage: Storage, min_group_size: int) -> None:
        self._storage = storage
        self.min_group_size = min_group_size

    async def post_for(self, viewer: Account, user: User, status_id: int) -> Status:
        """The post whose report ``viewer`` (acting for ``user``) may read; else NotFound, as a missing id."""
        status = await self._storage.statuses.get(status_id)
        missing = NotFound(detail=f"analytics of status {status_id} for {viewer.id}")
        if status is None:
            raise missing
        author = status.account_id in (viewer.id, user.account_id)
        analyst = not user.disabled and user.role in (Role.PUBLISHER, Role.ADMIN)
        if not (author or analyst) or (not measured(status) and not author):
            raise missing
        return await self.local_post(status_id)

    async def own_post(self, viewer: Account, status: Status) -> PostReport | None:
        """The report the web app shows on ``viewer``'s own post; None for another's post or a direct one."""
        if status.account_id != viewer.id or not measured(status):
            return None
        return await self.post(status)

    async def local_post(self, status_id: int) -> Status:
        """One of our own posts (not a boost, not deleted), whoever asks: the CLI's (an admin's) door."""
        status = await self._storage.statuses.get(status_id)
        if status is None or not status.local or status.deleted_at is not None or status.reblog_of_id is not None:
            raise NotFound(detail=f"analytics of status {status_id}")
        if not measured(status):
            raise NotFound(DIRECT_NOT_COUNTED, detail=f"analytics of status {status_id}")
        return status

    async def post(self, status: Status, period: Period = Period()) -> PostReport:
        if not measured(status):
            raise NotFound(DIRECT_NOT_COUNTED, detail=f"analytics of status {status.id}")
        posts = period.posts(status_id=status.id)
        reach = await self._reach(posts, PostSet(status_id=status.id))
        outside = None
        if status.publication_state.value in ("published", "retracted"):
            outside = Tally()
            for event in await self._storage.admin.engagement([status.id]):
                outside.add(event.kind)
        author = await self._storage.accounts.get(status.account_id)
        return PostReport(status, author, reach, await self._storage.reach.engagement(posts), outside)

    async def author(self, account_id: int, period: Period = Period()) -> GroupReport:
        account = await self._storage.accounts.get(account_id)
        if account is None or not account.is_local:
            raise NotFound(detail=f"analytics of account {account_id}")
        return await self._group(f"@{account.username}", period.posts(author_id=account.id),
                                 PostSet(author_id=account.id))

    async def department(self, slug: str, period: Period = Period()) -> GroupReport:
        department = await self._storage.accounts.get_local(slug)
        if department is None or department.kind is not AccountKind.DEPARTMENT:
            raise NotFound(detail=f"analytics of department {slug!r}")
        report = await self._group(f"@{department.username}", period.posts(department_id=department.id),
                                   PostSet(department_id=department.id))
        members = {m.account_id for m in await self._storage.departments.members(department.id)}
        active = await self._active(period, members)
        return replace(report, members=len(members), active_members=self._cell(len(active)))

    async def campaign(self, tag: str, period: Period = Period()) -> GroupReport:
        name = normalize_hashtag(tag.lstrip("#"))
        if not name:
            raise InvalidInput("the hashtag is empty")
        return await self._group(f"#{name}", period.posts(tag=name), PostSet(tag=name))

    async def adoption(self, period: Period = Period()) -> Adoption:
        """Whole ISO weeks: the period is widened to the Monday before ``since`` and the Sunday after ``until``."""
        reading, posting = await self._weekly_activity(period)
        weeks = [Week(key, len(reading[key] | posting[key]), len(posting[key]), len(reading[key]))
                 for key in sorted(set(_mondays(period)))]
        everyone = set().union(*reading.values(), *posting.values())
        staff = len(await self._storage.accounts.list_local(AccountKind.EMPLOYEE))
        return Adoption(weeks, staff, await self._by_department(everyone))

    async def _weekly_activity(self, period: Period) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        """Who read, and who posted, in each whole ISO week of ``period`` (by default the last twelve)."""
        mondays = _mondays(period)
        if not mondays:
            return defaultdict(set), defaultdict(set)
        first, last = mondays[0], (date.fromisoformat(mondays[-1]) + timedelta(days=6)).isoformat()
        reading: dict[str, set[int]] = defaultdict(set)
        posting: dict[str, set[int]] = defaultdict(set)
        for week, account_id in await self._storage.reach.readers_by_week(first, last):
            reading[week].add(account_id)
        for day, account_id in await self._storage.reach.posters_by_day(first, last):
            posting[week_of(day)].add(account_id)
        return reading, posting

    async def departments(self) -> list[Account]:
        """Every department, by name: what the overview links a report for."""
        found = await self._storage.accounts.list_local(AccountKind.DEPARTMENT)
        return sorted(found, key=lambda d: d.username)

    async def top_posts(self, period: Period = Period(), limit: int = TOP_POSTS) -> list[TopPost]:
        return await self._top(period.posts(), limit)

    async def _group(self, subject: str, posts: PostSet, lifetime: PostSet) -> GroupReport:
        reach_store = self._storage.reach
        per_day = await reach_store.posts_per_day(posts)
        return GroupReport(
            subject=subject, posts=sum(n for _, n in per_day), posts_per_day=per_day,
            reach=await self._reach(posts, lifetime), engagement=await reach_store.engagement(posts),
            top=await self._top(posts, TOP_POSTS),
        )

    def _cell(self, count: int) -> Cell:
        return one_cell(count, self.min_group_size)

    async def _reach(self, posts: PostSet, lifetime: PostSet) -> Reach:
        store = self._storage.reach
        by_department = await store.departments(lifetime)  # rule 5 of analytics_privacy: never by period
        total = self._cell(await store.reach(posts))
        days = days_of(await store.days(posts), self.min_group_size) if not total.hidden else []
        return Reach(total, days, await self._named_cells(by_department))

    async def _top(self, posts: PostSet, limit: int) -> list[TopPost]:
        ranked = await self._storage.reach.top(posts, limit)
        statuses = await self._storage.statuses.get_many([status_id for status_id, _ in ranked])
        authors = await self._storage.accounts.get_many(list({s.account_id for s in statuses.values()}))
        return [TopPost(statuses[i], authors.get(statuses[i].account_id), self._cell(n))
                for i, n in ranked if i in statuses]

    async def _active(self, period: Period, among: set[int]) -> set[int]:
        reading, posting = await self._weekly_activity(period)
        return set().union(*reading.values(), *posting.values()) & among

    async def _by_department(self, people: set[int]) -> list[DepartmentCell]:
        memberships = await self._storage.reach.memberships()
        counts: dict[int | None, int] = defaultdict(int)
        for person in people:
            for department_id in memberships.get(person, frozenset()) or (None,):
                counts[department_id] += 1
        return await self._named_cells(counts)

    async def _named_cells(self, counts: Mapping[int | None, int]) -> list[DepartmentCell]:
        """Every department (rule 3 of analytics_privacy), by name, then the people in none; small cells hidden."""
        departments = await self.departments()
        every: dict[int | None, int] = {d.id: counts.get(d.id, 0) for d in departments}
        every[None] = counts.get(None, 0)
        cells = suppressed(every, self.min_group_size)
        return [*(DepartmentCell(d, cells[d.id]) for d in departments), DepartmentCell(None, cells[None])]
