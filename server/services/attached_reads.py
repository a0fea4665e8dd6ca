"""The media and polls of many statuses (or scheduled statuses), read in a few batch queries.

A list of statuses is shown with what is attached to each; reading it status
by status would cost two queries per status, so every read here takes the
whole batch. The client API's converters turn the records into entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.media import MediaAttachment, Poll, PollTally
from storage.models import Status
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class SeenPoll:
    """A poll as one viewer sees it: its tally and the options the viewer chose."""

    poll: Poll
    tally: PollTally
    own_votes: Sequence[int]


@dataclass(frozen=True, slots=True)
class StatusAttachments:
    media: Mapping[int, Sequence[MediaAttachment]]  # by status id
    polls: Mapping[int, SeenPoll]  # by status id


class AttachedReads:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def of_statuses(self, statuses: Sequence[Status], viewer_id: int | None) -> StatusAttachments:
        """A reblog carries nothing of its own: its original (in the batch too) does."""
        ids = [s.id for s in statuses if s.reblog_of_id is None]
        media = await self._storage.media.for_statuses(ids)
        polls = await self._storage.polls.for_statuses(ids)
        seen = await self.polls(list(polls.values()), viewer_id)
        return StatusAttachments(media=media, polls={poll.status_id: seen[poll.id] for poll in polls.values()})

    async def polls(self, polls: Sequence[Poll], viewer_id: int | None) -> Mapping[int, SeenPoll]:
        """By poll id; an anonymous viewer (None) has voted in none."""
        poll_ids = [p.id for p in polls]
        tallies = await self._storage.polls.tallies(poll_ids)
        own = await self._storage.polls.own_votes(viewer_id, poll_ids) if viewer_id is not None else {}
        return {
            poll.id: SeenPoll(poll, tallies.get(poll.id, PollTally((0,) * len(poll.options), 0)), own.get(poll.id, ()))
            for poll in polls
        }

    async def of_scheduled(self, scheduled_ids: Sequence[int]) -> Mapping[int, Sequence[MediaAttachment]]:
        """Media reserved by scheduled statuses, by scheduled status id."""
        return await self._storage.media.for_scheduled(scheduled_ids)
