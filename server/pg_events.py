"""Streaming events across processes, through PostgreSQL LISTEN/NOTIFY.

Every process listens on one channel. ``publish`` sends each batch of
events as NOTIFY payloads (joining the caller's transaction, if any, so a
rolled-back post is never announced); every process, the sender included,
hands what it hears to its own local subscribers. Nothing here is needed
for correctness: a process that misses events while reconnecting only
leaves its streaming clients to catch up through the REST API, as Mastodon's do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager

import psycopg

from server.events import Event, InProcessEventBus, Subscription
from storage.postgresql.database import PostgresDatabase

log = logging.getLogger(__name__)

CHANNEL = "insideout_events"
# PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
PAYLOAD_LIMIT = 7900
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


def encode(events: Iterable[Event]) -> list[str]:
    """Events as JSON arrays, packed into as few payloads as the size limit allows."""
    payloads: list[str] = []
    batch: list[str] = []
    size = 2
    for event in events:
        item = json.dumps([event.stream, event.event, event.subject_id, event.payload], separators=(",", ":"))
        if len(item.encode()) + 2 > PAYLOAD_LIMIT:
            log.warning("stream event too large to share; dropped", extra={"stream": event.stream})
            continue
        if batch and size + len(item.encode()) + 1 > PAYLOAD_LIMIT:
            payloads.append("[" + ",".join(batch) + "]")
            batch, size = [], 2
        batch.append(item)
        size += len(item.encode()) + 1
    if batch:
        payloads.append("[" + ",".join(batch) + "]")
    return payloads


def decode(payload: str) -> list[Event]:
    events = []
    for stream, name, subject_id, value in json.loads(payload):
        events.append(Event(str(stream), str(name), int(subject_id) if subject_id is not None else None,
                            str(value) if value is not None else None))
    return events


class PostgresEventBus:
    def __init__(self, database: PostgresDatabase, channel: str = CHANNEL) -> None:
        self._database = database
        self._channel = channel
        self._local = InProcessEventBus()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def start(self) -> None:
        self._listening.clear()
        self._listener = asyncio.create_task(self._listen(), name="pg-events")
        # Serve only once we hear the channel, or this process's first clients would miss events.
        try:
            await asyncio.wait_for(self._listening.wait(), timeout=15.0)
        except TimeoutError:
            log.error("could not LISTEN for streaming events; retrying in the background")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except asyncio.CancelledError:
                pass
            self._listener = None

    async def publish(self, events: Iterable[Event]) -> None:
        payloads = encode(events)
        if payloads:
            await self._database.execute_many("SELECT pg_notify(?, ?)", [(self._channel, p) for p in payloads])

    def active(self, streams: Iterable[str]) -> list[str]:
        # Listeners in other processes are unknown here, so every stream may have one.
        return list(streams)

    def subscribe(self, streams: Iterable[str]) -> AbstractAsyncContextManager[Subscription]:
        return self._local.subscribe(streams)

    def subscriber_count(self, stream: str) -> int:
        return self._local.subscriber_count(stream)

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._database.url, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {self._channel}")
                    self._listening.set()
                    attempt = 0
                    async for notification in connection.notifies():
                        await self._dispatch(notification.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
                attempt += 1
                log.warning("streaming event listener lost its connection; reconnecting",
                            extra={"error": str(exc), "retry_in": delay})
                await asyncio.sleep(delay)

    async def _dispatch(self, payload: str) -> None:
        try:
            events = decode(payload)
        except (ValueError, TypeError) as exc:
            log.warning("unreadable streaming notification ignored", extra={"error": str(exc)})
            return
        await self._local.publish(events)

