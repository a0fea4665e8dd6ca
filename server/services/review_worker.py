"""Publishes approved queue items at their scheduled time, each exactly once."""

from __future__ import annotations

from datetime import datetime

from server.services.review import ReviewService
from server.services.scheduled import Clock
from server.workers import LeasingWorker
from storage.clock import utcnow
from storage.protocols import Storage
from storage.review import ReviewItem


class ScheduledPublicationWorker(LeasingWorker[ReviewItem]):
    """Any number may run: a lease keeps two from taking one item, and the
    approval itself only happens if the item is still ``scheduled``."""

    name = "scheduled-publications"

    def __init__(self, storage: Storage, review: ReviewService, *, clock: Clock = utcnow,
                 lease_seconds: float = 300.0, batch: int = 10, idle_seconds: float = 15.0) -> None:
        super().__init__(storage.review.claim_due, clock=clock, lease_seconds=lease_seconds, batch=batch,
                         idle_seconds=idle_seconds)
        self._review = review

    async def handle(self, row: ReviewItem, now: datetime) -> None:
        await self._review.publish_scheduled(row)
