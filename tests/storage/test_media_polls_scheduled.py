"""Conformance: media attachments, polls and scheduled statuses behave alike on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activitypub.errors import Conflict, InvalidInput
from storage.media import NewMedia, NewPoll, NewScheduledStatus, ScheduledState
from storage.models import Account, AccountKind, NewAccount, NewStatus, Page, StatusChanges, Visibility
from storage.protocols import Storage

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def account(storage: Storage, username: str) -> Account:
    return await storage.accounts.create_local(NewAccount(AccountKind.EMPLOYEE, username, username, "pub", "priv"))


def medium(owner: Account, token: str) -> NewMedia:
    return NewMedia(owner.id, "image", token, "original.jpg", "small.jpg", "image/jpeg", "a cat", (0.5, -0.5),
                    "LEHV6nWB2yk8", {"original": {"width": 4, "height": 3}})


async def test_media_round_trip_and_attach_rules(storage: Storage) -> None:
    alice, bob = await account(storage, "alice"), await account(storage, "bob")
    first = await storage.media.create(medium(alice, "t" * 32))
    second = await storage.media.create(medium(alice, "u" * 32))
    theirs = await storage.media.create(medium(bob, "v" * 32))
    assert (await storage.media.get_by_token("t" * 32)) == first
    assert first.meta == {"original": {"width": 4, "height": 3}} and (first.focus_x, first.focus_y) == (0.5, -0.5)
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="x"))

    # When alice attaches her two media and bob's, only hers are taken.
    attached = await storage.media.attach(status.id, alice.id, [second.id, first.id, theirs.id])

    assert attached == 2
    listed = (await storage.media.for_statuses([status.id]))[status.id]
    assert [m.id for m in listed] == [second.id, first.id]
    assert not await storage.media.delete_unattached(first.id)

    # A medium of a live status is not free for another status.
    other = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="y"))
    assert await storage.media.attach(other.id, alice.id, [first.id]) == 0

    # Re-attaching with a shorter list detaches the rest, which can then be deleted.
    assert await storage.media.attach(status.id, alice.id, [second.id]) == 1
    detached = await storage.media.get(first.id)
    assert detached is not None and detached.status_id is None
    assert await storage.media.delete_unattached(first.id)

    # Delete-and-redraft: the media of a deleted status are free again.
    await storage.statuses.delete(status.id)
    assert await storage.media.attach(other.id, alice.id, [second.id]) == 1


async def test_media_update(storage: Storage) -> None:
    alice = await account(storage, "alice")
    media = await storage.media.create(medium(alice, "t" * 32))
    updated = await storage.media.update(media.id, description="a dog", focus=(0.0, 1.0))
    assert (updated.description, updated.focus_x, updated.focus_y) == ("a dog", 0.0, 1.0)


async def test_poll_votes_and_tallies(storage: Storage) -> None:
    alice, bob, carol = [await account(storage, name) for name in ("alice", "bob", "carol")]
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="vote"))
    poll = await storage.polls.create(NewPoll(status.id, ("a", "b", "c"), True, False, T0))

    await storage.polls.add_votes(poll.id, bob.id, [0, 2])
    await storage.polls.add_votes(poll.id, carol.id, [2])
    with pytest.raises(Conflict):
        await storage.polls.add_votes(poll.id, carol.id, [1, 2])

    tally = (await storage.polls.tallies([poll.id]))[poll.id]
    assert (tally.votes, tally.voters, tally.total) == ((1, 0, 2), 2, 3)  # carol's rejected batch left nothing
    assert (await storage.polls.own_votes(bob.id, [poll.id]))[poll.id] == [0, 2]
    assert list(await storage.polls.voter_ids(poll.id)) == sorted([bob.id, carol.id])
    assert (await storage.polls.for_statuses([status.id]))[status.id].options == ("a", "b", "c")


async def test_an_expired_poll_is_claimed_exactly_once(storage: Storage) -> None:
    alice = await account(storage, "alice")
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="vote"))
    poll = await storage.polls.create(NewPoll(status.id, ("a", "b"), False, False, T0))

    assert await storage.polls.claim_expired(T0 - timedelta(seconds=1), 10) == []
    claimed = await storage.polls.claim_expired(T0, 10)
    assert [p.id for p in claimed] == [poll.id] and claimed[0].closed_at is not None
    assert await storage.polls.claim_expired(T0 + timedelta(days=1), 10) == []


async def test_scheduled_status_reserves_media_and_is_leased(storage: Storage) -> None:
    alice, bob = await account(storage, "alice"), await account(storage, "bob")
    media = await storage.media.create(medium(alice, "t" * 32))
    theirs = await storage.media.create(medium(bob, "u" * 32))

    # Given a scheduled status with bob's medium, nothing is written at all.
    with pytest.raises(InvalidInput):
        await storage.scheduled.create(NewScheduledStatus(alice.id, T0, {"text": "x"}, (media.id, theirs.id)))
    assert await storage.scheduled.count_pending(alice.id) == 0
    assert (await storage.media.get(media.id)).scheduled_status_id is None  # type: ignore[union-attr]

    row = await storage.scheduled.create(NewScheduledStatus(alice.id, T0, {"text": "x"}, (media.id,), "key"))
    assert row.params == {"text": "x"} and row.state is ScheduledState.SCHEDULED
    assert (await storage.scheduled.get_by_idempotency(alice.id, "key")) == row
    assert [m.id for m in (await storage.media.for_scheduled([row.id]))[row.id]] == [media.id]
    assert not await storage.media.delete_unattached(media.id)

    # When two workers claim at once, only one gets the row; after the lease it comes back.
    lease = T0 + timedelta(minutes=5)
    assert await storage.scheduled.claim_due(T0 - timedelta(seconds=1), lease, 10) == []
    first = await storage.scheduled.claim_due(T0, lease, 10)
    second = await storage.scheduled.claim_due(T0, lease, 10)
    assert [r.id for r in first] == [row.id] and second == []
    again = await storage.scheduled.claim_due(lease, lease + timedelta(minutes=5), 10)
    assert [r.attempts for r in again] == [2]

    await storage.scheduled.mark_failed(row.id, "refused")
    assert (await storage.scheduled.get(row.id)).state is ScheduledState.FAILED  # type: ignore[union-attr]
    assert (await storage.media.get(media.id)).scheduled_status_id is None  # type: ignore[union-attr]


async def test_scheduled_list_reschedule_delete(storage: Storage) -> None:
    alice = await account(storage, "alice")
    rows = [await storage.scheduled.create(NewScheduledStatus(alice.id, T0 + timedelta(hours=i), {"n": i}))
            for i in range(3)]
    listed = await storage.scheduled.list_pending(alice.id, Page(limit=2))
    assert [r.id for r in listed] == [rows[2].id, rows[1].id]
    assert [r.id for r in await storage.scheduled.list_pending(alice.id, Page(limit=2, max_id=rows[1].id))] == [
        rows[0].id]
    assert await storage.scheduled.count_pending(alice.id, between=(T0, T0 + timedelta(hours=1))) == 1

    moved = await storage.scheduled.reschedule(rows[0].id, T0 + timedelta(days=2))
    assert moved is not None and moved.scheduled_at == T0 + timedelta(days=2)
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="n"))
    await storage.scheduled.mark_published(rows[1].id, status.id)
    assert not await storage.scheduled.delete(rows[1].id)
    assert await storage.scheduled.delete(rows[2].id)
    assert [r.id for r in await storage.scheduled.list_pending(alice.id, Page())] == [rows[0].id]


async def test_each_revision_keeps_its_media_and_their_descriptions(storage: Storage) -> None:
    alice = await account(storage, "alice")
    first = await storage.media.create(medium(alice, "w" * 32))
    second = await storage.media.create(medium(alice, "x" * 32))
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="x"))
    # Given the first revision recorded once its media are attached
    await storage.media.attach(status.id, alice.id, [second.id, first.id])
    await storage.statuses.record_media(status.id)
    # When the post is edited and one description changes with it
    await storage.statuses.edit(status.id, StatusChanges("y", "<p>y</p>", "", False, None))
    await storage.media.update(first.id, description="a black cat", focus=(0.0, 0.0))
    await storage.statuses.record_media(status.id)
    # Then each revision has the media in the post's order, with the descriptions of its time
    revisions = await storage.statuses.edits(status.id)
    assert [revision.media for revision in revisions] == [
        ((second.id, "a cat"), (first.id, "a cat")),
        ((second.id, "a cat"), (first.id, "a black cat")),
    ]
