"""Mastodon's Poll entity (4.3), from a poll, its tally and what the viewer voted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.edge.dates import format_optional_datetime
from storage.media import Poll, PollTally


def is_expired(poll: Poll, now: datetime) -> bool:
    return poll.expires_at is not None and poll.expires_at <= now


def poll_entity(
    poll: Poll, tally: PollTally, *, now: datetime, viewer_id: int | None, author_id: int,
    own_votes: Sequence[int] = (),
) -> dict[str, Any]:
    """``hide_totals`` hides the per-option counts until the poll ends, from everyone but its author."""
    expired = is_expired(poll, now)
    is_author = viewer_id is not None and viewer_id == author_id
    show_totals = expired or not poll.hide_totals or is_author
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": format_optional_datetime(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": tally.total,
        "voters_count": tally.voters,
        "options": [
            {"title": title, "votes_count": (tally.votes[i] if i < len(tally.votes) else 0) if show_totals else None}
            for i, title in enumerate(poll.options)
        ],
        "emojis": [],
    }
    if viewer_id is not None:
        # As in Mastodon, the author counts as having voted: clients then show the results.
        entity["voted"] = is_author or bool(own_votes)
        entity["own_votes"] = list(own_votes)
    return entity
