"""What a client asked a status to be, already parsed: the input of posting, editing and scheduling.

Its own module so the attachment checks can read a draft without
importing the service that posts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Visibility


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
    extra: dict[str, object] = field(default_factory=dict)
