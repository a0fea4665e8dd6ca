"""Outside engagement with published posts: replies, likes and boosts from partner domains, over time.

An event is one reaction by a remote account to a local post that is (or
was) published: a reply (``in_reply_to``), a favourite, or a boost. Events
are grouped by post, by department (a post counts for each department it
was addressed to or announced by), or by the month of the reaction, and
each group is broken down by partner domain. ``csv_text`` flattens a
grouping into one row per group and domain.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from storage.admin import EngagementEvent, EngagementKind, PublishedPost
from storage.models import Account, Status
from storage.protocols import Storage


class Grouping(StrEnum):
    POST = "post"
    DEPARTMENT = "department"
    MONTH = "month"


@dataclass
class Tally:
    replies: int = 0
    favourites: int = 0
    reblogs: int = 0

    def add(self, kind: EngagementKind) -> None:
        if kind is EngagementKind.REPLY:
            self.replies += 1
        elif kind is EngagementKind.FAVOURITE:
            self.favourites += 1
        else:
            self.reblogs += 1

    @property
    def total(self) -> int:
        return self.replies + self.favourites + self.reblogs


@dataclass
class Group:
    key: Hashable
    totals: Tally = field(default_factory=Tally)
    domains: dict[str, Tally] = field(default_factory=dict)
    months: dict[str, Tally] = field(default_factory=dict)
    posts: set[int] = field(default_factory=set)

    def add(self, event: EngagementEvent) -> None:
        self.totals.add(event.kind)
        self.domains.setdefault(event.domain, Tally()).add(event.kind)
        self.months.setdefault(month_of(event), Tally()).add(event.kind)


@dataclass(frozen=True, slots=True)
class Engagement:
    grouping: Grouping
    groups: Sequence[Group]
    posts: dict[int, PublishedPost]


def month_of(event: EngagementEvent) -> str:
    return event.at.strftime("%Y-%m")


def _grouped(
    events: Iterable[EngagementEvent], keys: Callable[[EngagementEvent], Iterable[Hashable]],
    seed: Iterable[tuple[Hashable, Iterable[int]]] = (),
) -> dict[Hashable, Group]:
    groups: dict[Hashable, Group] = {}
    for key, post_ids in seed:
        groups.setdefault(key, Group(key)).posts.update(post_ids)
    for event in events:
        for key in keys(event):
            group = groups.setdefault(key, Group(key))
            group.add(event)
            group.posts.add(event.status_id)
    return groups


async def engagement(storage: Storage, grouping: Grouping) -> Engagement:
    posts = {p.status_id: p for p in await storage.admin.published_posts()}
    events = await storage.admin.engagement(list(posts))
    if grouping is Grouping.POST:
        groups = _grouped(events, lambda e: (e.status_id,), ((i, (i,)) for i in posts))
        ordered = [groups[i] for i in posts if i in groups]
    elif grouping is Grouping.DEPARTMENT:
        seed: dict[int, set[int]] = {}
        for post in posts.values():
            for department_id in post.department_ids:
                seed.setdefault(department_id, set()).add(post.status_id)
        groups = _grouped(events, lambda e: posts[e.status_id].department_ids, seed.items())
        ordered = sorted(groups.values(), key=lambda g: (-g.totals.total, str(g.key)))
    else:
        groups = _grouped(events, lambda e: (month_of(e),))
        ordered = sorted(groups.values(), key=lambda g: str(g.key))
    return Engagement(grouping, ordered, posts)


class EngagementReports:
    """The engagement figures, with the accounts and posts a report names."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def grouped(self, grouping: Grouping) -> Engagement:
        return await engagement(self._storage, grouping)

    async def accounts_named(self, result: Engagement) -> dict[int, Account]:
        """The authors of its posts and, grouped by department, the departments."""
        wanted = {p.account_id for p in result.posts.values()} | {
            int(str(g.key)) for g in result.groups if result.grouping is Grouping.DEPARTMENT}
        return dict(await self._storage.accounts.get_many(sorted(wanted)))

    async def statuses(self, result: Engagement) -> Mapping[int, Status]:
        """Its published (or retracted) posts, by id."""
        return await self._storage.statuses.get_many(list(result.posts))


CSV_COUNTS = ("replies", "favourites", "reblogs")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV with a header row: quoting where needed, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def tally_cells(tally: Tally) -> list[int]:
    return [tally.replies, tally.favourites, tally.reblogs]
