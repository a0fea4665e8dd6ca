"""The reach of our own posts: which staff were shown which local post, per UTC day; and counts over it.

A view is ``(status_id, day, account_id)``; the store keeps each once
(``status_views``, the whole row its key) and the reader's ISO week once
(``reader_weeks``), so writing the same view twice, from two processes or
two paths, changes nothing. Every read answers counts: how many distinct
people, never which. Days are UTC calendar days and weeks the Monday of an
ISO week, both ``YYYY-MM-DD``, so they compare as text.

A ``PostSet`` names the posts a count is taken over: one post, or the
posts shared with all staff (public, unlisted) of an author, of a
department (its own and its members'), or carrying a hashtag, created in a
period. Boosts and deleted posts are never in a set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


def week_of(day: str) -> str:
    """The Monday of ``day``'s ISO week, ``YYYY-MM-DD``."""
    parsed = date.fromisoformat(day)
    return date.fromordinal(parsed.toordinal() - parsed.weekday()).isoformat()


@dataclass(frozen=True, slots=True)
class View:
    status_id: int
    day: str
    account_id: int


@dataclass(frozen=True, slots=True)
class PostSet:
    """Which posts, and which days of views (``since``/``until`` inclusive; None: unbounded).

    For one post (``status_id``), the period bounds only the days of its views; for the others, it
    bounds the days the posts were made as well.
    """

    status_id: int | None = None
    author_id: int | None = None
    department_id: int | None = None
    tag: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True, slots=True)
class ReachDay:
    """One day of a set's reach: distinct people shown any of its posts, and how many of them for the first time."""

    day: str
    viewers: int
    first_time: int


@dataclass(frozen=True, slots=True)
class InsideEngagement:
    """What staff did with a set's posts: favourites, boosts, replies and poll votes (the authors' own excluded)."""

    favourites: int = 0
    reblogs: int = 0
    replies: int = 0
    poll_votes: int = 0

    @property
    def total(self) -> int:
        return self.favourites + self.reblogs + self.replies + self.poll_votes


class ReachStore(Protocol):
    async def record(self, views: Sequence[View]) -> int:
        """Keep ``views`` (and their readers' weeks) in one transaction; a view kept already is no change.
        Returns how many views were new."""
        ...

    async def reach(self, posts: PostSet) -> int:
        """Distinct people shown any post of ``posts``."""
        ...

    async def reach_by_post(self, status_ids: Sequence[int]) -> Mapping[int, int]:
        """Distinct people shown each post; a post nobody was shown is left out."""
        ...

    async def days(self, posts: PostSet) -> Sequence[ReachDay]:
        """Per day with views, oldest first."""
        ...

    async def departments(self, posts: PostSet) -> Mapping[int | None, int]:
        """Distinct viewers per department they are a member of now; None: viewers in no department."""
        ...

    async def top(self, posts: PostSet, limit: int) -> Sequence[tuple[int, int]]:
        """The ``limit`` posts of ``posts`` shown to most people, as (status id, viewers), most first."""
        ...

    async def post_ids(self, posts: PostSet, limit: int) -> Sequence[int]:
        """The posts in the set, newest first."""
        ...

    async def posts_per_day(self, posts: PostSet) -> Sequence[tuple[str, int]]:
        """How many posts of the set were made each day, oldest first."""
        ...

    async def engagement(self, posts: PostSet) -> InsideEngagement:
        """Staff engagement with the set's posts (local accounts only; authors' own excluded)."""
        ...

    async def readers_by_week(self, since_week: str, until_week: str) -> Sequence[tuple[str, int]]:
        """(week, account id) of everyone shown a post in each week of the range."""
        ...

    async def posters_by_day(self, since: str, until: str) -> Sequence[tuple[str, int]]:
        """(day, account id), distinct, of employees who posted (posts, replies, boosts) on each day."""
        ...

    async def memberships(self) -> Mapping[int, frozenset[int]]:
        """Every employee's departments, by account id (employees in none are left out)."""
        ...
