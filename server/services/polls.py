"""Polls: voting, and closing them when they expire (creation rules are in ``poll_spec``).

Messages follow Mastodon 4.3 (``VoteValidator`` and ``polls.errors`` in its
locale); as there, the author may not vote in their own poll.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from activitypub.errors import Conflict, InvalidInput, NotFound
from server.services.boundary_actions import Outbound
from server.services.distribution import Distribution
from server.services.statuses import StatusService
from storage.clock import utcnow
from storage.media import Poll
from storage.models import Account, Reader, Status
from storage.protocols import Storage

Clock = Callable[[], datetime]


class PollService:
    def __init__(self, storage: Storage, statuses: StatusService, outbound: Outbound, *,
                 clock: Clock = utcnow) -> None:
        self._storage = storage
        self._statuses = statuses
        self._outbound = outbound
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def visible(self, viewer: Account | Reader, poll_id: int) -> tuple[Poll, Status]:
        """The poll if the viewer may see its status; otherwise NotFound, as for a poll that never existed."""
        poll = await self._storage.polls.get(poll_id)
        if poll is None:
            raise NotFound()
        status = await self._statuses.visible(viewer, poll.status_id)
        if status.deleted_at is not None:
            raise NotFound()
        return poll, status

    async def vote(
        self, voter: Account, poll_id: int, choices: Sequence[int], *, reader: Reader | None = None
    ) -> tuple[Poll, Status]:
        """``reader``: whose eyes find the poll (the voter's own by default)."""
        poll, status = await self.visible(reader or voter, poll_id)
        self._check_vote(voter, poll, status, choices)
        async with self._storage.transaction():
            earlier = (await self._storage.polls.own_votes(voter.id, [poll.id])).get(poll.id, [])
            if earlier and not poll.multiple:
                raise InvalidInput("Validation failed: You have already voted on this poll")
            try:
                await self._storage.polls.add_votes(poll.id, voter.id, choices)
            except Conflict:
                raise InvalidInput("Validation failed: You have already voted on this poll") from None
            if not status.local:
                # Queued in the same transaction: a vote the boundary refuses is not kept either.
                await self._outbound.poll_vote(voter, status, [poll.options[c] for c in choices])
        return poll, status

    def _check_vote(self, voter: Account, poll: Poll, status: Status, choices: Sequence[int]) -> None:
        if poll.expires_at is not None and poll.expires_at <= self._clock():
            raise InvalidInput("Validation failed: The poll has already ended")
        if any(not 0 <= choice < len(poll.options) for choice in choices):
            raise InvalidInput("Validation failed: The chosen vote option does not exist")
        if status.account_id == voter.id:
            raise InvalidInput("Validation failed: You cannot vote in your own polls")
        if len(set(choices)) != len(choices) or (not poll.multiple and len(choices) > 1):
            raise InvalidInput("Validation failed: You have already voted on this poll")


class PollExpiryWorker:
    """Closes ended polls: the author and every local voter get a ``poll`` notification, once."""

    name = "poll-expiry"

    def __init__(self, storage: Storage, distribution: Distribution, *, clock: Clock = utcnow, batch: int = 50,
                 idle_seconds: float = 30.0) -> None:
        self._storage = storage
        self._distribution = distribution
        self._clock = clock
        self._batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        # The claim marks each poll closed before notifying: a crash in between
        # loses those notifications rather than ever sending them twice.
        polls = await self._storage.polls.claim_expired(self._clock(), self._batch)
        for poll in polls:
            await self._notify(poll)
        return len(polls)

    async def _notify(self, poll: Poll) -> None:
        status = await self._storage.statuses.get(poll.status_id)
        if status is None or status.deleted_at is not None:
            return
        author = await self._storage.accounts.get(status.account_id)
        if author is None:
            return
        await self._distribution.notify(author, author, "poll", status.id, allow_self=True)
        for voter_id in await self._storage.polls.voter_ids(poll.id):
            voter = await self._storage.accounts.get(voter_id)
            if voter is not None and voter.id != author.id:
                await self._distribution.notify(voter, author, "poll", status.id)
