"""Background workers: each drains stored rows with ``run_once()``; the runner loops them.

Correctness lives in the rows (state, next attempt, lock), never here, so
any number of runners in any number of processes can share the work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from storage.clock import utcnow

log = logging.getLogger(__name__)


class Worker(Protocol):
    name: str
    idle_seconds: float

    async def run_once(self) -> int:
        """Process what is due; returns how many items were handled."""
        ...


Row = TypeVar("Row")
Claim = Callable[[datetime, datetime, int], Awaitable[Sequence[Row]]]


class LeasingWorker(Generic[Row]):
    """Claims due rows under a lease (so any number may run) and handles each one.

    ``claim(now, lease_until, batch)`` comes from the row's store; ``handle``
    decides the row's next state, retry or failure included.
    """

    name = "leasing"

    def __init__(
        self, claim: Claim[Row], *, clock: Callable[[], datetime] = utcnow, lease_seconds: float = 300.0,
        batch: int = 10, idle_seconds: float = 10.0,
    ) -> None:
        self._claim = claim
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        due = await self._claim(now, now + self._lease, self._batch)
        for row in due:
            await self.handle(row, now)
        return len(due)

    async def handle(self, row: Row, now: datetime) -> None:
        raise NotImplementedError


class WorkerRunner:
    def __init__(self, workers: Sequence[Worker]) -> None:
        self._workers = list(workers)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self._loop(worker), name=f"worker:{worker.name}") for worker in self._workers]

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let each worker finish its current item, then cancel whatever is still running."""
        self._stopping.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks = []

    async def _loop(self, worker: Worker) -> None:
        while not self._stopping.is_set():
            try:
                handled = await worker.run_once()
            except Exception:
                # A failing item must never kill the loop: the row keeps its error and retry time.
                log.exception("worker cycle failed", extra={"worker": worker.name})
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), timeout=worker.idle_seconds)
                except TimeoutError:
                    pass
