"""Announcements to staff, their dismissals and reactions; and important posts pinned atop timelines.

An announcement is **active** at a moment when it has not been ended by
hand, its ``starts_at`` (if any) has come and its ``ends_at`` (if any) has
not. Its audience is every employee, or only the members of the
departments it names. An important post is one by the company or a
department, pinned until ``until``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NewAnnouncement:
    """What an author writes; ``content`` is ``text`` rendered to HTML. No ``department_ids``: everyone."""

    text: str
    content: str
    starts_at: datetime | None
    ends_at: datetime | None
    all_day: bool
    department_ids: tuple[int, ...]
    created_by: str


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    text: str
    content: str
    starts_at: datetime | None
    ends_at: datetime | None
    all_day: bool
    published_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    created_by: str
    department_ids: tuple[int, ...]

    def active_at(self, now: datetime) -> bool:
        if self.ended_at is not None and self.ended_at <= now:
            return False
        if self.starts_at is not None and self.starts_at > now:
            return False
        return self.ends_at is None or self.ends_at > now

    def state_at(self, now: datetime) -> str:
        """``scheduled``, ``active`` or ``ended``, as the admin pages and the CLI show it."""
        if self.active_at(now):
            return "active"
        if self.starts_at is not None and self.starts_at > now and self.ended_at is None:
            return "scheduled"
        return "ended"


@dataclass(frozen=True, slots=True)
class Reaction:
    """One emoji's reactions to an announcement: how many, and whether the asking person is among them."""

    name: str
    count: int
    me: bool


@dataclass(frozen=True, slots=True)
class ImportantStatus:
    status_id: int
    until: datetime
    marked_by: str
    marked_at: datetime


class AnnouncementStore(Protocol):
    async def add(self, new: NewAnnouncement, now: datetime) -> Announcement: ...

    async def update(self, announcement_id: int, new: NewAnnouncement, now: datetime) -> Announcement | None:
        """Replace text, times and audience (``created_by`` is kept); None for an unknown id."""
        ...

    async def end(self, announcement_id: int, now: datetime) -> Announcement | None:
        """End it at ``now`` (an already ended one keeps its end); None for an unknown id."""
        ...

    async def delete(self, announcement_id: int) -> bool: ...

    async def get(self, announcement_id: int) -> Announcement | None: ...

    async def list(self) -> Sequence[Announcement]:
        """Every announcement, newest first."""
        ...

    async def for_account(self, account_id: int, now: datetime) -> Sequence[Announcement]:
        """The active announcements whose audience includes ``account_id``, oldest start first."""
        ...

    async def in_audience(self, announcement_id: int, account_id: int) -> bool: ...

    async def audience_ids(self, announcement_id: int) -> Sequence[int]:
        """The enabled employees the announcement is for."""
        ...

    async def dismissed(self, account_id: int, announcement_ids: Sequence[int]) -> frozenset[int]: ...

    async def dismiss(self, announcement_id: int, account_id: int, now: datetime) -> None: ...

    async def react(self, announcement_id: int, account_id: int, name: str, now: datetime) -> bool:
        """Add the person's reaction; False when it was there already."""
        ...

    async def unreact(self, announcement_id: int, account_id: int, name: str) -> bool: ...

    async def reactions(
        self, announcement_ids: Sequence[int], account_id: int | None
    ) -> Mapping[int, Sequence[Reaction]]:
        """Per announcement, its reactions by name (first reacted first); ``me`` for ``account_id``."""
        ...

    async def reaction_count(self, announcement_id: int, name: str) -> int: ...

    async def dismiss_counts(self, announcement_ids: Sequence[int]) -> Mapping[int, int]: ...


class ImportantStatusStore(Protocol):
    async def mark(self, status_id: int, until: datetime, marked_by: str, now: datetime) -> ImportantStatus:
        """Mark (or move the end of) an important post."""
        ...

    async def unmark(self, status_id: int) -> bool: ...

    async def get(self, status_id: int) -> ImportantStatus | None: ...

    async def current(self, status_ids: Sequence[int], now: datetime) -> Mapping[int, ImportantStatus]:
        """Those of ``status_ids`` important at ``now``."""
        ...

    async def for_home(self, account_id: int, now: datetime) -> Sequence[ImportantStatus]:
        """Important now and for this person's home: the company's, and those of departments they belong to;
        newest post first."""
        ...

    async def by_author(self, author_id: int, now: datetime) -> Sequence[ImportantStatus]:
        """Important now and written by ``author_id`` (a department's timeline); newest post first."""
        ...

    async def audience_ids(self, author_id: int, *, everyone: bool) -> Sequence[int]:
        """The enabled employees an important post of ``author_id`` is for: all of them (``everyone``, the
        company's post) or the department's members."""
        ...
