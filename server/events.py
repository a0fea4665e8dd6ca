"""Streaming events: services publish, stream connections subscribe.

Streams are named as Mastodon names them, with the account where one
applies: ``user:<id>``, ``user:notification:<id>``, ``public``,
``public:local``, ``public:remote``, ``hashtag:<tag>``, ``hashtag:local:<tag>``,
``list:<id>``. This in-process bus serves one process; a PostgreSQL
LISTEN/NOTIFY bus can implement the same protocol for many.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

QUEUE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Event:
    """``subject_id`` names the status or notification; the stream renders it for its viewer.

    ``payload`` is set instead where the event carries a bare value (``delete`` sends the status id).
    """

    stream: str
    event: str
    subject_id: int | None = None
    payload: str | None = None


class EventBus(Protocol):
    async def start(self) -> None:
        """Called by the app's lifespan before serving; a cross-process bus connects here."""
        ...

    async def stop(self) -> None: ...

    async def publish(self, events: Iterable[Event]) -> None: ...

    def active(self, streams: Iterable[str]) -> list[str]:
        """The streams someone listens to now; publishers skip building events for the rest."""
        ...

    def subscribe(self, streams: Iterable[str]) -> AbstractAsyncContextManager[Subscription]: ...


class Subscription:
    """One connection's queue; streams can be added and removed while it runs (WebSocket multiplexing)."""

    def __init__(self, bus: InProcessEventBus) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        self.streams: set[str] = set()

    def add(self, stream: str) -> None:
        self.streams.add(stream)
        self._bus._subscribers[stream].add(self)

    def remove(self, stream: str) -> None:
        self.streams.discard(stream)
        subscribers = self._bus._subscribers.get(stream)
        if subscribers is not None:
            subscribers.discard(self)
            if not subscribers:
                del self._bus._subscribers[stream]

    def close(self) -> None:
        for stream in list(self.streams):
            self.remove(stream)

    def deliver(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A client that stopped reading loses events rather than growing memory without bound.
            log.warning("stream subscriber too slow; event dropped", extra={"stream": event.stream})

    async def events(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class InProcessEventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            for subscriber in list(self._subscribers.get(event.stream, ())):
                subscriber.deliver(event)

    def active(self, streams: Iterable[str]) -> list[str]:
        return [stream for stream in streams if stream in self._subscribers]

    @asynccontextmanager
    async def subscribe(self, streams: Iterable[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(self)
        for stream in streams:
            subscription.add(stream)
        try:
            yield subscription
        finally:
            subscription.close()

    def subscriber_count(self, stream: str) -> int:
        return len(self._subscribers.get(stream, ()))
