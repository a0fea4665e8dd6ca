"""Media and polls of a status being posted or edited, checked first and written inside its transaction.

``prepare`` runs before the status exists and refuses with 422 whatever
Mastodon refuses. ``attach`` runs inside the status's transaction and
re-checks with conditional updates, so a medium claimed meanwhile by
another post makes the whole post fail: no status is left without the
media it was created with. An edit's ``media_attributes`` (new descriptions
and focus points) change only the post's own media, and the revision
records its media as they then are, for the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from activitypub.errors import InvalidInput
from server.media import parse_focus
from server.services.media import check_description
from server.services.poll_spec import PollSpec, validate_poll
from server.services.status_draft import MediaChange, StatusDraft
from storage.clock import utcnow
from storage.media import NewPoll
from storage.models import Account, Status
from storage.protocols import Storage

MAX_MEDIA: Final = 4
NOT_FREE: Final = "Media {ids} not found or already attached to another post"


@dataclass(frozen=True, slots=True)
class Prepared:
    media_ids: tuple[int, ...] | None  # None: leave the status's media as they are (an edit without media_ids)
    poll: PollSpec | None
    scheduled_status_id: int | None = None
    media_changes: tuple[CheckedChange, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckedChange:
    """A ``media_attributes`` entry, checked: None leaves that attribute as it is ("" clears the description)."""

    media_id: int
    description: str | None
    focus: tuple[float, float] | None


def _checked(changes: tuple[MediaChange, ...]) -> tuple[CheckedChange, ...]:
    """422 for a description too long or a focus out of range, before anything is written."""
    return tuple(_check(change) for change in changes)


def _check(change: MediaChange) -> CheckedChange:
    description = None if change.description is None else check_description(change.description) or ""
    return CheckedChange(change.id, description, parse_focus(change.focus) if change.focus else None)


def poll_of(draft: StatusDraft) -> PollSpec | None:
    poll = draft.extra.get("poll")
    return poll if isinstance(poll, PollSpec) else None


def scheduled_of(draft: StatusDraft) -> int | None:
    value = draft.extra.get("scheduled_status_id")
    return value if isinstance(value, int) else None


class StatusAttachments:
    def __init__(self, storage: Storage, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._storage = storage
        self._clock = clock

    async def prepare(self, author: Account, draft: StatusDraft, status_id: int | None = None) -> Prepared:
        """Check the draft's media and poll; ``status_id`` is the status being edited, if any."""
        given = status_id is None or draft.extra.get("media_ids_given", True) is not False
        media_ids = tuple(draft.media_ids) if given else None
        poll = poll_of(draft) if status_id is None else None
        has_poll = poll is not None or (status_id is not None and await self._has_poll(status_id))
        if media_ids and has_poll:
            raise InvalidInput("Validation failed: A post cannot have both media attachments and a poll")
        if media_ids is not None and len(media_ids) > MAX_MEDIA:
            raise InvalidInput(f"Cannot attach more than {MAX_MEDIA} files")
        if media_ids:
            await self._check_free(author, media_ids, status_id, scheduled_of(draft))
        if poll is not None:
            validate_poll(poll)
        return Prepared(media_ids, poll, scheduled_of(draft), _checked(draft.media_changes))

    async def attach(self, author: Account, status: Status, prepared: Prepared) -> None:
        """Inside the status's transaction: a failure here rolls the status back too."""
        if prepared.media_ids is not None:
            attached = await self._storage.media.attach(
                status.id, author.id, prepared.media_ids, scheduled_status_id=prepared.scheduled_status_id
            )
            if attached != len(prepared.media_ids):
                raise InvalidInput(NOT_FREE.format(ids=", ".join(map(str, prepared.media_ids))))
        await self._change_media(status, prepared.media_changes)
        await self._storage.statuses.record_media(status.id)
        if prepared.poll is not None:
            if prepared.poll.expires_in is None:  # validate_poll in prepare refuses it first
                raise InvalidInput("Validation failed: Poll expires at is too soon")
            await self._storage.polls.create(NewPoll(
                status_id=status.id, options=tuple(o.strip() for o in prepared.poll.options),
                multiple=prepared.poll.multiple, hide_totals=prepared.poll.hide_totals,
                expires_at=self._clock() + timedelta(seconds=prepared.poll.expires_in),
            ))

    async def _change_media(self, status: Status, changes: tuple[CheckedChange, ...]) -> None:
        """Mastodon's ``media_attributes``: only the post's own media change; other ids are ignored."""
        if not changes:
            return
        found = await self._storage.media.get_many([change.media_id for change in changes])
        for change in changes:
            media = found.get(change.media_id)
            if media is None or media.status_id != status.id or media.account_id != status.account_id:
                continue
            description = media.description if change.description is None else change.description or None
            focus = change.focus or (media.focus_x, media.focus_y)
            await self._storage.media.update(media.id, description=description, focus=focus)

    async def _has_poll(self, status_id: int) -> bool:
        return status_id in await self._storage.polls.for_statuses([status_id])

    async def _check_free(
        self, author: Account, media_ids: tuple[int, ...], status_id: int | None, scheduled_id: int | None
    ) -> None:
        found = await self._storage.media.get_many(list(media_ids))
        elsewhere = {m.status_id for m in found.values() if m.status_id is not None and m.status_id != status_id}
        owners = await self._storage.statuses.get_many(list(elsewhere))
        deleted = {s.id for s in owners.values() if s.deleted_at is not None}
        refused = []
        for media_id in media_ids:
            media = found.get(media_id)
            if (media is None or media.account_id != author.id
                    or (media.status_id not in (None, status_id) and media.status_id not in deleted)
                    or media.scheduled_status_id not in (None, scheduled_id)):
                refused.append(media_id)
        if refused:
            raise InvalidInput(NOT_FREE.format(ids=", ".join(map(str, refused))))
