"""Each server process notices a departure within a second, whichever process recorded it.

A departure (server/services/offboarding.py) ends the person's open streams
by an event on the bus, but the bus does not cross processes everywhere: on
SQLite, ``insideout account disable`` runs beside the server, and its events
stay in its own process. So every departure also bumps a counter in the
database, and this watch reads it once a second (one query per process, not
per stream). When it moves, the watch tells every open stream of this process
to check its token again at once (``RECHECK_STREAM``); the streams of a person
who left end, the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from server.events import Event, EventBus
from server.services.offboarding import REVOCATION_EPOCH
from storage.instance import InstanceStore

log = logging.getLogger(__name__)

RECHECK_STREAM = "system:recheck"
POLL_SECONDS = 0.25


class RevocationWatch:
    def __init__(self, instance: InstanceStore, events: EventBus, poll_seconds: float = POLL_SECONDS) -> None:
        self._instance = instance
        self._events = events
        self._poll_seconds = poll_seconds
        self._seen: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._seen = await self._instance.get_meta(REVOCATION_EPOCH)
        self._task = asyncio.create_task(self._watch(), name="revocation-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check_once(self) -> bool:
        """Whether the epoch moved since the last look; if so, every open stream rechecks now."""
        epoch = await self._instance.get_meta(REVOCATION_EPOCH)
        if epoch == self._seen:
            return False
        self._seen = epoch
        await self._events.publish([Event(RECHECK_STREAM, "recheck")])
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.check_once()
            except Exception:
                # The database is briefly away: the next poll tries again, and streams recheck on their own.
                log.warning("revocation watch: the check failed", exc_info=True)
