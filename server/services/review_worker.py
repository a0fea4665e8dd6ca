"""Publishes approved queue items at their scheduled time, each exactly once."""

from __future__ import annotations

from datetime import timedelta

from server.services.review import ReviewService
from storage.clock import utcnow
from storage.protocols import Storage
from server.services.scheduled import Clock


class ScheduledPublicationWorker:
    """Any number may run: a lease keeps two from taking one item, and the
    approval itself only happens if the item is still ``scheduled``."""

    name = "scheduled-publications"

    def __init__(self, storage: Storage, review: ReviewService, *, clock: Clock = utcnow,
                 lease_seconds: float = 300.0, batch: int = 10, idle_seconds: float = 15.0) -> None:
        self._storage = storage
        self._review = review
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        now = self._clock()
        due = await self._storage.review.claim_due(now, now + self._lease, self._batch)
        for item in due:
            await self._review.publish_scheduled(item)
        return len(due)
