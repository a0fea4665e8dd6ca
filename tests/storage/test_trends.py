"""Trends and featured hashtags, against every backend: counts only over what the reader may see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.models import FollowState, PublicationState, Reader, Visibility
from storage.protocols import Storage
from storage.remote_media import NewPreviewCard
from storage.trends import DayUse
from tests.storage.test_social import employee, post

pytestmark = pytest.mark.anyio

TAG = (("launch", "Launch"),)


def day(days_ago: int) -> str:
    return (utcnow() - timedelta(days=days_ago)).strftime("%Y-%m-%d")


async def test_tag_history_counts_by_day_only_what_the_reader_may_see(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    now = utcnow()
    await post(storage, alice, "#launch", tags=TAG, created_at=now - timedelta(days=2))
    await post(storage, bob, "#launch", tags=TAG, created_at=now - timedelta(days=2))
    today = await post(storage, alice, "#launch", tags=TAG)
    await post(storage, alice, "#launch", tags=TAG, visibility=Visibility.DIRECT, mention_ids=(bob.id,))
    await post(storage, alice, "#launch old", tags=TAG, created_at=now - timedelta(days=9))
    tag = await storage.tag_follows.get_tag("launch")
    assert tag is not None
    since = now - timedelta(days=7)

    # Carol sees the shared posts only: two authors two days ago, one today
    seen = await storage.trends.tag_history(Reader.own(carol.id), [tag.id], since)
    assert seen[tag.id] == [DayUse(day(2), 2, 2), DayUse(day(0), 1, 1)]
    # Bob, mentioned in the direct one, counts it too
    bob_sees = await storage.trends.tag_history(Reader.own(bob.id), [tag.id], since)
    assert bob_sees[tag.id][-1] == DayUse(day(0), 2, 1)
    # Without a reader, only published posts count: none yet
    assert await storage.trends.tag_history(None, [tag.id], since) == {}
    await storage.statuses.set_publication(
        today, PublicationState.PUBLISHED, epoch=1, uri=None, url=None, edit_id=None
    )
    assert (await storage.trends.tag_history(None, [tag.id], since))[tag.id] == [DayUse(day(0), 1, 1)]


async def test_tag_days_leave_out_private_and_direct_posts(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    await storage.follows.follow(bob.id, alice.id, FollowState.ACCEPTED)
    await post(storage, alice, "#launch", tags=TAG, visibility=Visibility.PRIVATE)
    await post(storage, alice, "#launch", tags=TAG, visibility=Visibility.DIRECT, mention_ids=(bob.id,))
    since = utcnow() - timedelta(days=7)
    assert await storage.trends.tag_days(Reader.own(bob.id), since) == {}
    await post(storage, alice, "#launch", tags=TAG, visibility=Visibility.UNLISTED)
    [(tag, days)] = (await storage.trends.tag_days(Reader.own(bob.id), since)).items()
    assert tag.display_name == "Launch"
    assert days == [DayUse(day(0), 1, 1)]


async def test_engagement_counts_staff_favourites_boosts_and_replies_of_shared_posts(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    shared = await post(storage, alice, "shared")
    private = await post(storage, alice, "private", visibility=Visibility.PRIVATE)
    for status_id in (shared, private):
        await storage.interactions.add("favourite", bob.id, status_id)
    await storage.interactions.add("favourite", alice.id, shared)  # the author's own: not counted
    await post(storage, carol, "", reblog_of_id=shared)
    await post(storage, carol, "reply", in_reply_to_id=shared, in_reply_to_account_id=alice.id)
    await post(storage, bob, "dm", in_reply_to_id=shared, visibility=Visibility.DIRECT, mention_ids=(alice.id,))
    since = utcnow() - timedelta(days=7)

    found = await storage.trends.engagement(Reader.own(carol.id), since)
    assert [(e.status_id, e.day, e.count) for e in found] == [(shared, day(0), 3)]
    # A reader who muted or blocked the author sees no trend of theirs
    await storage.relationships.mute(bob.id, alice.id)
    assert await storage.trends.engagement(Reader.own(bob.id), since) == []
    await storage.relationships.block(carol.id, alice.id)
    assert await storage.trends.engagement(Reader.own(carol.id), since) == []


async def test_link_days_and_cards(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    card = await storage.cards.save(NewPreviewCard(url="https://example.com/a", title="A"), utcnow())
    for author in (alice, bob):
        await storage.cards.link(await post(storage, author, "see https://example.com/a"), card.id)
    hidden = await post(storage, alice, "dm", visibility=Visibility.DIRECT, mention_ids=(bob.id,))
    await storage.cards.link(hidden, card.id)
    days = await storage.trends.link_days(Reader.own(bob.id), utcnow() - timedelta(days=7))
    assert days == {card.id: [DayUse(day(0), 2, 2)]}
    assert (await storage.trends.cards([card.id]))[card.id].title == "A"


async def test_featured_tags_count_shared_posts_and_stop_at_the_limit(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    await post(storage, alice, "#launch", tags=TAG)
    await post(storage, alice, "#launch secret", tags=TAG, visibility=Visibility.PRIVATE)
    await post(storage, alice, "#news", tags=(("news", "news"),))

    assert [t.name for t in await storage.featured_tags.suggestions(alice.id, 10)] == ["news", "launch"]
    featured = await storage.featured_tags.add(alice.id, "launch", "Launch", 2)
    assert featured is not None
    assert featured.tag.display_name == "Launch"
    assert featured.statuses_count == 1
    assert featured.last_status_at is not None
    assert await storage.featured_tags.add(alice.id, "launch", "launch", 2) == featured
    assert [t.name for t in await storage.featured_tags.suggestions(alice.id, 10)] == ["news"]
    fresh = await storage.featured_tags.add(alice.id, "unused", "Unused", 2)
    assert fresh is not None
    assert (fresh.statuses_count, fresh.last_status_at) == (0, None)
    assert await storage.featured_tags.add(alice.id, "news", "news", 2) is None
    assert [f.tag.name for f in await storage.featured_tags.list(alice.id)] == ["launch", "unused"]

    assert await storage.featured_tags.remove(alice.id + 1, featured.id) is False
    assert await storage.featured_tags.remove(alice.id, featured.id) is True
    assert [f.tag.name for f in await storage.featured_tags.list(alice.id)] == ["unused"]
