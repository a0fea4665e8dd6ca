"""What one viewer sees of one bus event: the JSON payload string, or nothing.

Statuses pass only if the one visibility rule lets the viewer see them (and
the boosted original), the viewer neither blocks nor mutes the authors (as
the timelines do) and no ``hide`` filter of the viewer matches; a
notification only reaches its owner. Each is rendered by the Presenter for
its viewer, so favourites, bookmarks, filters and poll votes are the
viewer's own.

``RenderCache`` (one per app) shares a render among the connections of one
viewer and among the streams one event arrives on (a public post reaches
``public``, ``public:local`` and its hashtags). Only creations are cached,
briefly: an edit (``status.update``) always renders afresh.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from server.events import Event
from server.mastodon.presenters import Presenter
from server.mastodon.stream_channels import Channel
from storage.models import Account, Status
from storage.protocols import Storage

STATUS_EVENTS: Final = frozenset({"update", "status.update"})
CACHEABLE: Final = frozenset({"update", "notification"})
CACHE_SECONDS: Final = 5.0
CACHE_SIZE: Final = 20_000
CACHE_ATTRIBUTE: Final = "stream_render_cache"


@dataclass(frozen=True, slots=True)
class Rendered:
    payload: str | None
    has_media: bool = False


CacheKey = tuple[str, int, int, bool]


class RenderCache:
    """Renders in flight or just done, by (event, subject, viewer, channel kind); concurrent askers share one.

    A render runs as its own task, so a connection closing mid-render
    cancels neither the render nor the other connections waiting for it.
    """

    def __init__(self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: OrderedDict[CacheKey, tuple[float, asyncio.Task[Rendered | None]]] = OrderedDict()

    async def get(self, key: CacheKey, render: Callable[[], Awaitable[Rendered | None]]) -> Rendered | None:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now or _failed(entry[1]):
            task = asyncio.ensure_future(render())
            task.add_done_callback(_retrieve)
            entry = (now + self._ttl, task)
            self._entries[key] = entry
            self._evict()
        return await asyncio.shield(entry[1])

    def _evict(self) -> None:
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


def _failed(task: asyncio.Task[Rendered | None]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


def _retrieve(task: asyncio.Task[Rendered | None]) -> None:
    # Every waiter sees the exception; this only keeps asyncio from also logging it as unretrieved.
    if not task.cancelled():
        task.exception()


def render_cache(app_state: Any) -> RenderCache:
    cache = getattr(app_state, CACHE_ATTRIBUTE, None)
    if not isinstance(cache, RenderCache):
        cache = RenderCache()
        setattr(app_state, CACHE_ATTRIBUTE, cache)
    return cache


def _dump(entity: object) -> str:
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":"))


class StreamRenderer:
    """One per connection: renders for ``viewer``."""

    def __init__(self, storage: Storage, presenter: Presenter, viewer: Account, cache: RenderCache) -> None:
        self._storage = storage
        self._presenter = presenter
        self._viewer = viewer
        self._cache = cache

    async def render(self, event: Event, channel: Channel) -> Rendered | None:
        """None: this viewer gets nothing of ``event`` on ``channel``."""
        if event.event == "notification" and not channel.notifications:
            return None
        if event.subject_id is None:
            return Rendered(event.payload)  # delete (the id), filters_changed (nothing), and the like
        subject_id = event.subject_id
        if event.event in CACHEABLE:
            key = (event.event, subject_id, self._viewer.id, channel.filtered)
            rendered = await self._cache.get(key, lambda: self._render(event, subject_id, channel))
        else:
            rendered = await self._render(event, subject_id, channel)
        if rendered is not None and channel.only_media and not rendered.has_media:
            return None
        return rendered

    async def _render(self, event: Event, subject_id: int, channel: Channel) -> Rendered | None:
        if event.event in STATUS_EVENTS:
            return await self._status(subject_id, channel)
        if event.event == "notification":
            return await self._notification(subject_id)
        return Rendered(event.payload)

    async def _status(self, status_id: int, channel: Channel) -> Rendered | None:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            return None
        original = await self._storage.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        shown = [status] if original is None else [status, original]
        if await self._storage.timelines.visible_ids(self._viewer.id, [s.id for s in shown]) != {s.id for s in shown}:
            return None
        if await self._silenced(shown, channel.filtered):
            return None
        entities = await self._presenter.statuses([status], self._viewer, context=channel.context)
        if not entities:
            return None  # a hide filter of the viewer's matched
        media = (entities[0].get("reblog") or entities[0]).get("media_attachments") or []
        return Rendered(_dump(entities[0]), has_media=bool(media))

    async def _silenced(self, shown: list[Status], filtered: bool) -> bool:
        """The viewer blocks or mutes an author (or, on public channels, a mentioned account)."""
        involved = {s.account_id for s in shown}
        if filtered:
            mentions = await self._storage.statuses.mention_ids([s.id for s in shown])
            involved.update(a for ids in mentions.values() for a in ids)
        involved.discard(self._viewer.id)
        if not involved:
            return False
        if involved & await self._storage.relationships.blocked_ids(self._viewer.id):
            return True
        return bool(involved & await self._storage.relationships.muted_ids(self._viewer.id))

    async def _notification(self, notification_id: int) -> Rendered | None:
        notification = await self._storage.notifications.get(self._viewer.id, notification_id)
        if notification is None:
            return None
        entities = await self._presenter.notifications([notification], self._viewer)
        return Rendered(_dump(entities[0])) if entities else None
