"""What is trending inside: hashtags, statuses and links, for staff only.

Mastodon shows its users what its server talks about; so do we, but only
to staff, and only over what the reader may see:

1. The window is the last seven UTC days (``WINDOW_DAYS``).
2. Hashtags and links count statuses shared with all staff (public or
   unlisted), never private or direct ones; their score is the number of
   distinct authors per day, weighted by recency (a day's weight halves
   with each day of age), so one prolific poster does not make a trend.
3. Statuses rank by staff favourites, boosts and shared replies in the
   window, weighted the same way; only statuses shared with all staff can
   trend, the author's own engagement does not count, and the reader never
   sees one by an account they muted or blocked, or that blocked them.
4. A hashtag's ``history`` is seven days, newest first, zero-filled; it
   counts the statuses the reader may see, or published ones for no reader.

Outsiders get nothing: the views answer them an empty list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from storage.clock import utcnow
from storage.models import Reader, Status, Tag
from storage.protocols import Storage
from storage.remote_media import PreviewCard
from storage.trends import DayUse

WINDOW_DAYS: Final = 7


@dataclass(frozen=True, slots=True)
class TrendingTag:
    tag: Tag
    history: Sequence[DayUse]


@dataclass(frozen=True, slots=True)
class TrendingLink:
    card: PreviewCard
    history: Sequence[DayUse]


@dataclass(frozen=True, slots=True)
class Slice:
    """Mastodon's ``offset`` and ``limit`` for a trends list."""

    offset: int
    limit: int


def week(found: Iterable[DayUse], today: date) -> list[DayUse]:
    """The seven days up to ``today``, newest first, with the days not found as zero."""
    by_day = {use.day: use for use in found}
    days = [(today - timedelta(days=n)).isoformat() for n in range(WINDOW_DAYS)]
    return [by_day.get(d, DayUse(d, 0, 0)) for d in days]


def weight(day: str, today: date) -> float:
    """A day's share of a score: 1 today, halving with each day of age."""
    age = max((today - date.fromisoformat(day)).days, 0)
    return 0.5**age


def score(days: Iterable[DayUse], today: date) -> float:
    return sum(use.accounts * weight(use.day, today) for use in days)


class TrendsService:
    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._clock = clock

    def _window(self) -> tuple[date, datetime]:
        now = self._clock()
        today = now.date()
        start = datetime.combine(today - timedelta(days=WINDOW_DAYS - 1), datetime.min.time(), tzinfo=now.tzinfo)
        return today, start

    async def histories(self, reader: Reader | None, tags: Sequence[Tag]) -> Mapping[int, Sequence[DayUse]]:
        """Each tag's week, counting what ``reader`` may see (published statuses for None)."""
        today, since = self._window()
        found = await self._storage.trends.tag_history(reader, [t.id for t in tags], since)
        return {tag.id: week(found.get(tag.id, ()), today) for tag in tags}

    async def tags(self, reader: Reader, window: Slice) -> list[TrendingTag]:
        today, since = self._window()
        found = await self._storage.trends.tag_days(reader, since)
        ranked = sorted(found.items(), key=lambda item: (-score(item[1], today), item[0].name))
        chosen = ranked[window.offset:window.offset + window.limit]
        return [TrendingTag(tag, week(days, today)) for tag, days in chosen]

    async def statuses(self, reader: Reader, window: Slice) -> list[Status]:
        today, since = self._window()
        scores: dict[int, float] = defaultdict(float)
        for engagement in await self._storage.trends.engagement(reader, since):
            scores[engagement.status_id] += engagement.count * weight(engagement.day, today)
        ranked = sorted(scores, key=lambda status_id: (-scores[status_id], -status_id))
        chosen = ranked[window.offset:window.offset + window.limit]
        loaded = await self._storage.statuses.get_many(chosen)
        return [loaded[status_id] for status_id in chosen if status_id in loaded]

    async def links(self, reader: Reader, window: Slice) -> list[TrendingLink]:
        today, since = self._window()
        found = await self._storage.trends.link_days(reader, since)
        ranked = sorted(found, key=lambda card_id: (-score(found[card_id], today), -card_id))
        chosen = ranked[window.offset:window.offset + window.limit]
        cards = await self._storage.trends.cards(chosen)
        return [TrendingLink(cards[card_id], week(found[card_id], today)) for card_id in chosen if card_id in cards]
