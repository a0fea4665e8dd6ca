"""Media and poll entities of many statuses (or scheduled statuses), from records read in a few batch queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.present.entities.media import media_entity
from server.present.entities.poll import poll_entity
from server.services.attached_reads import AttachedReads, SeenPoll
from storage.clock import utcnow
from storage.media import MediaAttachment
from storage.models import Status

Entity = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Attached:
    media: Mapping[int, list[Entity]]
    polls: Mapping[int, Entity]


async def load_attached(
    reads: AttachedReads, base_url: str, statuses: Sequence[Status], viewer_id: int | None, *,
    now: datetime | None = None,
) -> Attached:
    found = await reads.of_statuses(statuses, viewer_id)
    authors = {s.id: s.account_id for s in statuses}
    entities = poll_entities(found.polls.values(), authors, viewer_id, now=now)
    return Attached(
        media=media_entities(found.media, base_url),
        polls={status_id: entities[seen.poll.id] for status_id, seen in found.polls.items()},
    )


def poll_entities(
    polls: Iterable[SeenPoll], author_of_status: Mapping[int, int], viewer_id: int | None, *,
    now: datetime | None = None,
) -> Mapping[int, Entity]:
    """Poll entities by poll id; ``author_of_status`` maps each poll's status to its author."""
    moment = now or utcnow()
    return {
        seen.poll.id: poll_entity(
            seen.poll, seen.tally, now=moment, viewer_id=viewer_id,
            author_id=author_of_status.get(seen.poll.status_id, -1), own_votes=seen.own_votes,
        )
        for seen in polls
    }


def media_entities(media: Mapping[int, Sequence[MediaAttachment]], base_url: str) -> Mapping[int, list[Entity]]:
    """Entities of media grouped by their owner (a status or a scheduled status)."""
    return {owner: [media_entity(m, base_url=base_url) for m in items] for owner, items in media.items()}
