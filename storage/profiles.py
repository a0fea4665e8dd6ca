"""Profile settings, preferences, read markers and account queries: records and Protocols.

``AccountProfile`` and ``Preferences`` are what an account owner sets beyond
the columns of ``Account``; an account that never changed them has the
defaults. ``RelationshipFacts`` is everything one viewer's Mastodon
Relationship needs about one other account, read in one batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from storage.models import Account, Page, Visibility

MAX_FIELDS = 4


class ExpandMedia(StrEnum):
    DEFAULT = "default"
    SHOW_ALL = "show_all"
    HIDE_ALL = "hide_all"


class MarkerTimeline(StrEnum):
    HOME = "home"
    NOTIFICATIONS = "notifications"


@dataclass(frozen=True, slots=True)
class ProfileField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class AccountProfile:
    bot: bool = False
    discoverable: bool = True
    hide_collections: bool = False
    fields: tuple[ProfileField, ...] = ()


@dataclass(frozen=True, slots=True)
class Preferences:
    visibility: Visibility = Visibility.PUBLIC
    sensitive: bool = False
    language: str | None = None
    expand_media: ExpandMedia = ExpandMedia.DEFAULT
    expand_spoilers: bool = False


@dataclass(frozen=True, slots=True)
class SettingsChanges:
    """None leaves a setting unchanged; ``language=""`` clears the default language."""

    bot: bool | None = None
    discoverable: bool | None = None
    hide_collections: bool | None = None
    fields: tuple[ProfileField, ...] | None = None
    visibility: Visibility | None = None
    sensitive: bool | None = None
    language: str | None = None
    expand_media: ExpandMedia | None = None
    expand_spoilers: bool | None = None


@dataclass(frozen=True, slots=True)
class Marker:
    timeline: MarkerTimeline
    last_read_id: int
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RelationshipFacts:
    """One viewer's side of the graph towards one account; absent rows are all False."""

    following: bool = False
    requested: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    note: str = ""


class ProfileStore(Protocol):
    async def get(self, account_id: int) -> AccountProfile: ...

    async def get_many(self, account_ids: Sequence[int]) -> Mapping[int, AccountProfile]: ...

    async def preferences(self, account_id: int) -> Preferences: ...

    async def update(self, account_id: int, changes: SettingsChanges) -> tuple[AccountProfile, Preferences]: ...


class MarkerStore(Protocol):
    async def get(self, account_id: int, timelines: Sequence[MarkerTimeline]) -> Mapping[MarkerTimeline, Marker]: ...

    async def set(self, account_id: int, timeline: MarkerTimeline, last_read_id: int) -> Marker:
        """Last write wins; every write bumps ``version``."""
        ...


class AccountDirectory(Protocol):
    """Read-only questions about many accounts at once."""

    async def search(
        self, username: str, domain: str | None, *, limit: int, offset: int, following_of: int | None = None,
    ) -> Sequence[Account]:
        """Accounts whose username or display name starts with ``username`` (exact handle first)."""
        ...

    async def relationships(self, viewer_id: int, account_ids: Sequence[int]) -> Mapping[int, RelationshipFacts]: ...

    async def employees(self, query: str, *, limit: int, offset: int) -> Sequence[Account]:
        """Local employees with an enabled login, by username; a non-empty ``query`` matches the start of the
        username, of the display name, or of a word in the display name (case-insensitive)."""
        ...

    async def blocked_or_muted(self, kind: str, account_id: int, page: Page) -> Sequence[tuple[int, Account]]:
        """``kind`` "blocks" or "mutes": the rows (their ids are the page cursor) and the accounts, newest first.

        Expired mutes are left out.
        """
        ...

    async def familiar_followers(self, viewer_id: int, account_id: int, *, limit: int = 5) -> Sequence[Account]:
        """Accounts the viewer follows that also follow ``account_id``."""
        ...
