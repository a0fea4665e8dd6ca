"""What staff talk about: hashtag and link use per day, engagement with statuses, and featured hashtags.

Every count is taken over the statuses a reader may see inside (the same
``VISIBLE`` rule timelines use); with no reader, over published statuses
only, so a count shown outside never includes an internal post. Days are
UTC calendar days, ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storage.models import Reader, Tag
from storage.remote_media import PreviewCard


@dataclass(frozen=True, slots=True)
class DayUse:
    """One UTC day of a hashtag's or a link's use: statuses carrying it, and their distinct authors."""

    day: str
    uses: int
    accounts: int


@dataclass(frozen=True, slots=True)
class Engagement:
    """Staff engagement with a status on one UTC day: favourites, boosts and replies together."""

    status_id: int
    day: str
    count: int


@dataclass(frozen=True, slots=True)
class FeaturedTag:
    """A hashtag an account features on its profile, with its own use of it."""

    id: int
    account_id: int
    tag: Tag
    statuses_count: int
    last_status_at: datetime | None


class TrendStore(Protocol):
    async def tag_history(
        self, reader: Reader | None, tag_ids: Sequence[int], since: datetime
    ) -> Mapping[int, Sequence[DayUse]]:
        """Per tag, the days since ``since`` it was used on statuses ``reader`` may see (published ones for None)."""
        ...

    async def tag_days(self, reader: Reader, since: datetime) -> Mapping[Tag, Sequence[DayUse]]:
        """Every tag used since ``since`` on statuses shared with all staff, with its days."""
        ...

    async def engagement(self, reader: Reader, since: datetime) -> Sequence[Engagement]:
        """Staff favourites, boosts and replies since ``since`` of statuses shared with all staff
        (public or unlisted), by day; the author's own don't count, nor statuses of accounts ``reader`` has
        blocked or muted, or that blocked ``reader``."""
        ...

    async def link_days(self, reader: Reader, since: datetime) -> Mapping[int, Sequence[DayUse]]:
        """Per preview card, the days since ``since`` statuses shared with all staff carried it."""
        ...

    async def cards(self, card_ids: Sequence[int]) -> Mapping[int, PreviewCard]: ...


class FeaturedTagStore(Protocol):
    async def list(self, account_id: int) -> Sequence[FeaturedTag]:
        """The account's featured tags, oldest first; counts over its statuses shared with all staff."""
        ...

    async def add(self, account_id: int, name: str, display_name: str, limit: int) -> FeaturedTag | None:
        """Feature the tag (made on first use); None when ``limit`` are featured already. Featuring a tag
        again returns the existing one."""
        ...

    async def remove(self, account_id: int, featured_id: int) -> bool: ...

    async def suggestions(self, account_id: int, limit: int) -> Sequence[Tag]:
        """The tags the account uses most on statuses shared with all staff, not featured yet."""
        ...
