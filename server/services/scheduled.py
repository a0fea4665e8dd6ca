"""Statuses posted later: stored as rows, published by a worker through ``StatusService.create``.

Exactly once: a worker leases a due row before posting it, and posts it with
the idempotency key ``scheduled:<id>``, so even a worker that dies between
posting and marking the row (and whose lease then runs out) cannot post it
twice; the next attempt finds the status already made. Limits and messages
follow Mastodon 4.3 (``ScheduledStatusValidator``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from activitypub.errors import InsideoutError, InvalidInput, NotFound
from server.services.attachments import poll_of
from server.services.poll_spec import PollSpec
from server.services.statuses import StatusDraft, StatusService
from server.workers import LeasingWorker
from storage.clock import utcnow
from storage.media import NewScheduledStatus, ScheduledState, ScheduledStatus
from storage.models import Account, Page, Visibility
from storage.protocols import Storage

log = logging.getLogger(__name__)

MINIMUM_OFFSET: Final = timedelta(minutes=5)
TOTAL_LIMIT: Final = 300
DAILY_LIMIT: Final = 25
MAX_ATTEMPTS: Final = 5
TOO_SOON: Final = "Validation failed: Scheduled at The scheduled date must be in the future"
Clock = Callable[[], datetime]


def draft_params(draft: StatusDraft) -> dict[str, Any]:
    """Mastodon's ScheduledStatus ``params``, as stored and as shown."""
    poll = poll_of(draft)
    return {
        "text": draft.text, "visibility": draft.visibility.value, "spoiler_text": draft.spoiler_text or None,
        "sensitive": draft.sensitive, "language": draft.language,
        "in_reply_to_id": draft.in_reply_to_id, "media_ids": [str(i) for i in draft.media_ids] or None,
        "poll": poll.to_params() if poll else None, "application_id": draft.application_id,
        "idempotency": draft.idempotency_key, "scheduled_at": None, "with_rate_limit": False,
    }


def draft_of(scheduled: ScheduledStatus) -> StatusDraft:
    """The draft to post; its idempotency key makes a repeated attempt return the first status."""
    params: Mapping[str, Any] = scheduled.params
    poll = params.get("poll")
    extra: dict[str, object] = {"scheduled_status_id": scheduled.id}
    if isinstance(poll, Mapping):
        extra["poll"] = PollSpec.from_params(poll)
    return StatusDraft(
        text=str(params.get("text") or ""), visibility=Visibility(params.get("visibility") or "public"),
        spoiler_text=str(params.get("spoiler_text") or ""), sensitive=bool(params.get("sensitive")),
        language=params.get("language"), in_reply_to_id=_int(params.get("in_reply_to_id")),
        media_ids=tuple(int(i) for i in params.get("media_ids") or ()),
        application_id=_int(params.get("application_id")),
        idempotency_key=f"scheduled:{scheduled.id}", extra=extra,
    )


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None


class ScheduledStatusService:
    def __init__(self, storage: Storage, statuses: StatusService, *, clock: Clock = utcnow) -> None:
        self._storage = storage
        self._statuses = statuses
        self._clock = clock

    def is_future(self, scheduled_at: datetime) -> bool:
        """Mastodon posts at once a status scheduled in the past; only a future date schedules it."""
        return scheduled_at > self._clock()

    async def schedule(self, author: Account, draft: StatusDraft, scheduled_at: datetime) -> ScheduledStatus:
        if draft.idempotency_key:
            earlier = await self._storage.scheduled.get_by_idempotency(author.id, draft.idempotency_key)
            if earlier is not None:
                return earlier
        await self._check_date(author, scheduled_at)
        await self._statuses.check(author, draft)
        return await self._storage.scheduled.create(NewScheduledStatus(
            account_id=author.id, scheduled_at=scheduled_at, params=draft_params(draft),
            media_ids=tuple(draft.media_ids), idempotency_key=draft.idempotency_key,
        ))

    async def own(self, account: Account, scheduled_id: int) -> ScheduledStatus:
        scheduled = await self._storage.scheduled.get(scheduled_id)
        if scheduled is None or scheduled.account_id != account.id or scheduled.state is not ScheduledState.SCHEDULED:
            raise NotFound()
        return scheduled

    async def pending(self, account: Account, page: Page) -> Sequence[ScheduledStatus]:
        return await self._storage.scheduled.list_pending(account.id, page)

    async def reschedule(self, account: Account, scheduled_id: int, scheduled_at: datetime) -> ScheduledStatus:
        scheduled = await self.own(account, scheduled_id)
        await self._check_date(account, scheduled_at, moving=scheduled)
        moved = await self._storage.scheduled.reschedule(scheduled.id, scheduled_at)
        if moved is None:
            raise NotFound()  # published or cancelled meanwhile
        return moved

    async def cancel(self, account: Account, scheduled_id: int) -> None:
        scheduled = await self.own(account, scheduled_id)
        if not await self._storage.scheduled.delete(scheduled.id):
            raise NotFound()

    async def _check_date(
        self, account: Account, scheduled_at: datetime, *, moving: ScheduledStatus | None = None
    ) -> None:
        if scheduled_at < self._clock() + MINIMUM_OFFSET:
            raise InvalidInput(TOO_SOON)
        if moving is None and await self._storage.scheduled.count_pending(account.id) >= TOTAL_LIMIT:
            raise InvalidInput(f"Validation failed: You have exceeded the limit of {TOTAL_LIMIT} scheduled posts")
        day = scheduled_at.replace(hour=0, minute=0, second=0, microsecond=0)
        same_day = await self._storage.scheduled.count_pending(account.id, between=(day, day + timedelta(days=1)))
        if moving is not None and day <= moving.scheduled_at < day + timedelta(days=1):
            same_day -= 1
        if same_day >= DAILY_LIMIT:
            raise InvalidInput(
                f"Validation failed: You have exceeded the limit of {DAILY_LIMIT} scheduled posts for today"
            )


class ScheduledStatusWorker(LeasingWorker[ScheduledStatus]):
    """Posts due scheduled statuses; any number of these may run at once."""

    name = "scheduled-statuses"

    def __init__(self, storage: Storage, statuses: StatusService, *, clock: Clock = utcnow,
                 lease_seconds: float = 300.0, batch: int = 10, idle_seconds: float = 10.0) -> None:
        super().__init__(storage.scheduled.claim_due, clock=clock, lease_seconds=lease_seconds, batch=batch,
                         idle_seconds=idle_seconds)
        self._storage = storage
        self._statuses = statuses

    async def handle(self, row: ScheduledStatus, now: datetime) -> None:
        await self._publish(row, now)

    async def _publish(self, scheduled: ScheduledStatus, now: datetime) -> None:
        author = await self._storage.accounts.get(scheduled.account_id)
        user = await self._storage.accounts.get_user(scheduled.account_id)
        if author is None or user is None or user.disabled:
            await self._storage.scheduled.mark_failed(scheduled.id, "the author can no longer post")
            return
        try:
            status = await self._statuses.create(author, draft_of(scheduled))
        except InsideoutError as exc:
            if exc.status_code >= 500 and scheduled.attempts < MAX_ATTEMPTS:
                await self._retry(scheduled, now, exc.public_message)
            else:
                await self._storage.scheduled.mark_failed(scheduled.id, exc.public_message)
            return
        except Exception as exc:  # a bug or the database: try again later, then give up
            log.exception("scheduled status failed", extra={"scheduled_status_id": scheduled.id})
            if scheduled.attempts < MAX_ATTEMPTS:
                await self._retry(scheduled, now, repr(exc))
            else:
                await self._storage.scheduled.mark_failed(scheduled.id, repr(exc))
            return
        await self._storage.scheduled.mark_published(scheduled.id, status.id)

    async def _retry(self, scheduled: ScheduledStatus, now: datetime, error: str) -> None:
        await self._storage.scheduled.release(scheduled.id, now + timedelta(minutes=2 ** scheduled.attempts), error)
