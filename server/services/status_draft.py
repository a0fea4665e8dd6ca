"""What a client asked a status to be, already parsed: the input of posting, editing and scheduling.

Its own module so the attachment checks can read a draft without
importing the service that posts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Visibility


@dataclass(frozen=True, slots=True)
class MediaChange:
    """``media_attributes[]`` of an edit: a new description or focus for one of the post's media."""

    id: int
    description: str | None = None
    focus: str | None = None


@dataclass(frozen=True, slots=True)
class StatusDraft:
    """What a client asked for, already parsed; the service checks it against the rules."""

    text: str = ""
    visibility: Visibility = Visibility.PUBLIC
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: tuple[int, ...] = ()
    application_id: int | None = None
    idempotency_key: str | None = None
    media_changes: tuple[MediaChange, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
