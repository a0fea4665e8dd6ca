"""Read markers: where an account stopped reading its home feed and its notifications.

Markers keep the last write, with ``version`` bumped on every one (see
``MarkerStore.set``), so a client that raced another gets what Mastodon's
retry after a 409 would give it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.profiles import Marker, MarkerTimeline
from storage.protocols import Storage


class MarkerService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def get(self, account_id: int, timelines: Sequence[MarkerTimeline]) -> Mapping[MarkerTimeline, Marker]:
        return await self._storage.markers.get(account_id, timelines)

    async def save(self, account_id: int, timeline: MarkerTimeline, last_read_id: int) -> Marker:
        return await self._storage.markers.set(account_id, timeline, last_read_id)
