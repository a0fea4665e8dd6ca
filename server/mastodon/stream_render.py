"""What one viewer sees of one bus event: the JSON payload string, or nothing.

Statuses pass only if the stream service lets the viewer have them
(server/services/streams.py: the one visibility rule, blocks and mutes, as
the timelines do) and no ``hide`` filter of the viewer matches; a
notification only reaches its owner, and a direct post's ``conversation``
(Mastodon's Conversation entity, keyed by the post) a participant who may
see the post. Each is rendered by the Presenter for its viewer, so favourites, bookmarks, filters and poll votes are the
viewer's own.

A status event reaches hundreds of viewers at once, and almost all of them
see exactly the same thing. ``RenderCache`` (one per app, shared by every
connection of the process) therefore renders a status once per event and
channel kind, for whichever of those viewers asks first, and hands that
payload to every viewer the storage does not name as seeing it otherwise
(``TimelineStore.individual_viewers``: authors, anyone with a block, mute,
favourite, boost, bookmark, vote or filter involved, and everyone when the
status's visibility depends on the viewer). Those few get their own render.

A creation (``update``) is keyed by its status, so the streams one post is
announced on (``public``, ``public:local``, its hashtags, followers' home
streams) share a render. An edit (``status.update``) is keyed by the
status's ``edited_at`` as well, so two edits are two renders: each event
object reads it once (one primary-key read), then shares as a creation does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from server.events import Event
from server.mastodon.stream_channels import Channel
from server.present.presenter import Presenter
from server.services.streams import StreamService
from storage.models import Account, Reader, Status

STATUS_EVENTS: Final = frozenset({"update", "status.update"})
CACHE_SECONDS: Final = 5.0
CACHE_SIZE: Final = 20_000
CACHE_ATTRIBUTE: Final = "stream_render_cache"

# The kinds of work the cache counts (``RenderCache.started``).
VERSION: Final = "version"
AUDIENCE: Final = "audience"
SHARED: Final = "shared"
INDIVIDUAL: Final = "individual"
NOTIFICATION: Final = "notification"
CONVERSATION: Final = "conversation"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rendered:
    payload: str | None
    has_media: bool = False
    shown: tuple[Status, ...] = ()
    """The statuses in the payload (a boost with its original): every viewer sent it was shown them."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Who must get a render of their own; ``individual`` None: everyone."""

    individual: frozenset[int] | None

    def sees_shared(self, viewer_id: int) -> bool:
        return self.individual is not None and viewer_id not in self.individual


CacheKey = tuple[Hashable, ...]


class RenderCache:
    """Work in flight or just done, by key; concurrent askers share one run.

    Each run is its own task, so a connection closing mid-render cancels
    neither the render nor the other connections waiting for it. Keys start
    with the kind of work; ``started`` counts the runs of each kind.
    """

    def __init__(self, ttl: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self._ttl = ttl
        self._size = size
        # An entry keeps its ``anchor`` (the event) alive: a key holding ``id(event)`` stays unique while cached.
        self._entries: OrderedDict[CacheKey, tuple[float, object, asyncio.Task[Any]]] = OrderedDict()
        self.started: Counter[str] = Counter()

    async def get(self, key: CacheKey, run: Callable[[], Awaitable[T]], *, anchor: object = None) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now or _failed(entry[2]):
            task: asyncio.Task[T] = asyncio.ensure_future(run())
            task.add_done_callback(_retrieve)
            entry = (now + self._ttl, anchor, task)
            self._entries[key] = entry
            self.started[str(key[0])] += 1
            self._evict()
        task = entry[2]
        if task.done() and not task.cancelled() and task.exception() is None:
            done: T = task.result()  # the usual case for all but the first viewer: no shield, no wait
            return done
        result: T = await asyncio.shield(task)
        return result

    def _evict(self) -> None:
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


def _failed(task: asyncio.Task[Any]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


def _retrieve(task: asyncio.Task[Any]) -> None:
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
    """One per connection: renders for ``viewer``, who reads with ``reader``'s eyes (by default its own).

    Two connections of one account may see differently (a token acting as the
    company for a publisher sees less of its mail than one for an admin), so
    a render of its own is keyed by the reader, not only by the account.
    """

    def __init__(
        self, streams: StreamService, presenter: Presenter, viewer: Account, cache: RenderCache,
        reader: Reader | None = None,
    ) -> None:
        self._streams = streams
        self._presenter = presenter
        self._viewer = viewer
        self._cache = cache
        self._reader = reader or Reader.own(viewer.id)

    async def render(self, event: Event, channel: Channel) -> Rendered | None:
        """None: this viewer gets nothing of ``event`` on ``channel``."""
        if event.event == "notification" and not channel.notifications:
            return None
        if event.subject_id is None:
            return Rendered(event.payload)  # delete (the id), filters_changed (nothing), and the like
        subject_id = event.subject_id
        if event.event in STATUS_EVENTS:
            rendered = await self._status_event(event, subject_id, channel)
        elif event.event == "notification":
            rendered = await self._cache.get((NOTIFICATION, subject_id, self._reader),
                                             lambda: self._notification(subject_id))
        elif event.event == "conversation":
            rendered = await self._cache.get((CONVERSATION, subject_id, self._reader),
                                             lambda: self._conversation(subject_id))
        else:
            rendered = Rendered(event.payload)
        if rendered is not None and channel.only_media and not rendered.has_media:
            return None
        if rendered is not None and rendered.shown and self._presenter.reach is not None:
            self._presenter.reach.seen(self._viewer, rendered.shown)  # a shared render was made for another viewer
        return rendered

    async def _status_event(self, event: Event, subject_id: int, channel: Channel) -> Rendered | None:
        occasion = await self._occasion(event, subject_id)
        audience = await self._cache.get((AUDIENCE, *occasion), lambda: self._audience(subject_id))
        if audience.sees_shared(self._viewer.id):
            # Whoever asks first renders for all alike: they are indistinguishable, so it is their render too.
            key: CacheKey = (SHARED, *occasion, channel.filtered)
        else:
            key = (INDIVIDUAL, *occasion, channel.filtered, self._reader)
        return await self._cache.get(key, lambda: self._status(subject_id, channel))

    async def _occasion(self, event: Event, subject_id: int) -> tuple[Hashable, ...]:
        """What makes two events the same render: a creation's status; an edit's status and edit time."""
        if event.event == "update":
            return (event.event, subject_id)
        # id(event) stays unique while the entry (which keeps the event alive) is cached.
        edited_at = await self._cache.get((VERSION, id(event)), lambda: self._edited_at(subject_id), anchor=event)
        return (event.event, subject_id, edited_at)

    async def _edited_at(self, status_id: int) -> str | None:
        edited_at = await self._streams.edited_at(status_id)
        return edited_at.isoformat() if edited_at is not None else None

    async def _audience(self, status_id: int) -> Audience:
        return Audience(await self._streams.individual_viewers(status_id))

    async def _status(self, status_id: int, channel: Channel) -> Rendered | None:
        status = await self._streams.status_for(self._reader, self._viewer.id, status_id, filtered=channel.filtered)
        if status is None:
            return None
        entities = await self._presenter.statuses([status], self._viewer, context=channel.context)
        if not entities:
            return None  # a hide filter of the viewer's matched
        media = (entities[0].get("reblog") or entities[0]).get("media_attachments") or []
        shown = await self._presenter.shown_with_originals([status])
        return Rendered(_dump(entities[0]), has_media=bool(media), shown=tuple(shown))

    async def _conversation(self, status_id: int) -> Rendered | None:
        detail = await self._streams.conversation(self._reader, status_id)
        if detail is None:
            return None
        return Rendered(_dump((await self._presenter.conversations([detail], self._viewer))[0]))

    async def _notification(self, notification_id: int) -> Rendered | None:
        notification = await self._streams.notification(self._reader, notification_id)
        if notification is None:
            return None
        entities = await self._presenter.notifications([notification], self._viewer)
        return Rendered(_dump(entities[0])) if entities else None
