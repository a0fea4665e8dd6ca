"""Media and poll entities of many statuses (or scheduled statuses), loaded in a few batch queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.mastodon.entities.media import media_entity
from server.mastodon.entities.poll import poll_entity
from storage.clock import utcnow
from storage.media import Poll, PollTally
from storage.models import Status
from storage.protocols import Storage

Entity = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Attached:
    media: Mapping[int, list[Entity]]
    polls: Mapping[int, Entity]


async def load_attached(
    storage: Storage, base_url: str, statuses: Sequence[Status], viewer_id: int | None, *,
    now: datetime | None = None,
) -> Attached:
    ids = [s.id for s in statuses if s.reblog_of_id is None]
    media = await storage.media.for_statuses(ids)
    polls = await storage.polls.for_statuses(ids)
    authors = {s.id: s.account_id for s in statuses}
    entities = await poll_entities(storage, list(polls.values()), authors, viewer_id, now=now)
    return Attached(
        media={status_id: [media_entity(m, base_url=base_url) for m in items] for status_id, items in media.items()},
        polls={poll.status_id: entities[poll.id] for poll in polls.values()},
    )


async def poll_entities(
    storage: Storage, polls: Sequence[Poll], author_of_status: Mapping[int, int], viewer_id: int | None, *,
    now: datetime | None = None,
) -> Mapping[int, Entity]:
    """Poll entities by poll id; ``author_of_status`` maps each poll's status to its author."""
    poll_ids = [p.id for p in polls]
    tallies = await storage.polls.tallies(poll_ids)
    own = await storage.polls.own_votes(viewer_id, poll_ids) if viewer_id is not None else {}
    moment = now or utcnow()
    return {
        poll.id: poll_entity(
            poll, tallies.get(poll.id, PollTally((0,) * len(poll.options), 0)), now=moment, viewer_id=viewer_id,
            author_id=author_of_status.get(poll.status_id, -1), own_votes=own.get(poll.id, ()),
        )
        for poll in polls
    }


async def media_entities(storage: Storage, base_url: str, scheduled_ids: Sequence[int]) -> Mapping[int, list[Entity]]:
    """Media reserved by scheduled statuses, by scheduled status id."""
    found = await storage.media.for_scheduled(scheduled_ids)
    return {owner: [media_entity(m, base_url=base_url) for m in items] for owner, items in found.items()}
