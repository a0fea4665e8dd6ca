"""Recording reach: which staff member was shown which of our posts, without slowing the read that showed it.

1. **Who counts.** A viewer is an employee of ours (a local ``employee``
   account). Outsiders never reach here (anonymous requests, remote
   servers and app-only tokens render with no viewer), and a token acting
   as the company or a department renders as that identity, which counts
   for nothing: the human behind it is not known to the renderer.
2. **What counts.** Our own (local) posts, the original of a boost rather
   than the boost, and never a post shown to its own author. A direct
   message is never recorded: with its few possible readers, its reach
   would be a read receipt (``server.services.analytics.measured``).
3. **When.** ``seen`` is called by the one renderer of statuses for the API
   and the web app (``server.present.presenter.Presenter.statuses``, which
   threads, timelines, single posts, notifications and search go through)
   and by the stream renderer for every connection a shared render is sent
   to. It only adds ``(status, day, viewer)`` to a set in memory: no I/O,
   no await, in the request.
4. **Writing.** A task of the app's lifespan writes the set in one batch
   every ``[analytics] flush_seconds``, sooner once it holds
   ``flush_events`` views, and on shutdown. A write that fails puts its
   views back. The set is bounded (``BUFFER_FACTOR`` × ``flush_events``):
   beyond that, views are dropped and counted in ``dropped``, never a
   request slowed. Each process flushes its own set; the table's key (the
   whole row) makes duplicates across processes one row.
5. **Repeats.** People reread the same timeline all day. A view this
   process wrote already today is not buffered again (``_written``, a set
   of the day's written views, emptied when the day changes and when it
   reaches ``WRITTEN_FACTOR`` × ``flush_events``), so repeats cost neither
   a write nor a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

from server.config import AnalyticsSettings
from storage.clock import utcnow
from storage.models import Account, AccountKind, Status, Visibility
from storage.reach import ReachStore, View

log = logging.getLogger(__name__)

BUFFER_FACTOR: Final = 10
WRITTEN_FACTOR: Final = 40


def counts_as_staff(viewer: Account | None) -> bool:
    return viewer is not None and viewer.is_local and viewer.kind is AccountKind.EMPLOYEE


class ReachRecorder:
    def __init__(
        self, store: ReachStore, settings: AnalyticsSettings, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._store = store
        self._clock = clock
        self.enabled = settings.record_reach
        self._every = settings.flush_seconds
        self._batch = settings.flush_events
        self._bound = settings.flush_events * BUFFER_FACTOR
        self._pending: set[View] = set()
        self._written: set[tuple[int, int]] = set()
        self._written_day = ""
        self._remember = settings.flush_events * WRITTEN_FACTOR
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.written = 0
        """Views this process wrote that were new to the store."""

    @property
    def pending(self) -> int:
        return len(self._pending)

    def seen(self, viewer: Account | None, statuses: Iterable[Status]) -> None:
        """``viewer`` was shown ``statuses`` (boosts given with their originals); rule 1 and 2 above."""
        if not self.enabled or viewer is None or not counts_as_staff(viewer):
            return
        day = self._clock().date().isoformat()
        if day != self._written_day:
            self._written, self._written_day = set(), day
        for status in statuses:
            if (status.local and status.reblog_of_id is None and status.account_id != viewer.id
                    and status.visibility is not Visibility.DIRECT and (status.id, viewer.id) not in self._written):
                self._add(View(status.id, day, viewer.id))
        if len(self._pending) >= self._batch:
            self._wake.set()

    def _add(self, view: View) -> None:
        if len(self._pending) >= self._bound and view not in self._pending:
            self.dropped += 1
            return
        self._pending.add(view)

    async def flush(self) -> int:
        """Write what is buffered now; returns how many views were new to the store."""
        batch, self._pending = self._pending, set()
        if not batch:
            return 0
        try:
            added = await self._store.record(sorted(batch, key=lambda v: (v.status_id, v.day, v.account_id)))
        except BaseException:
            for view in batch:
                self._add(view)
            raise
        if len(self._written) + len(batch) > self._remember:
            self._written = set()
        self._written.update((v.status_id, v.account_id) for v in batch if v.day == self._written_day)
        self.written += added
        return added

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="reach-recorder")

    async def stop(self) -> None:
        """Stop the loop and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.exception("reach: the last views could not be written", extra={"views": len(self._pending)})

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._every)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("reach: writing views failed; they wait for the next flush",
                              extra={"views": len(self._pending)})
