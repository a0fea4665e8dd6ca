"""The reach store, against every backend: each view kept once, and only counts read back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.models import Account, AccountKind, MemberRole, Visibility
from storage.protocols import Storage
from storage.reach import InsideEngagement, PostSet, ReachDay, View, week_of
from tests.storage.factories import new_account
from tests.storage.test_social import employee, post

pytestmark = pytest.mark.anyio

TAG = (("allhands", "AllHands"),)


async def staff(storage: Storage, count: int) -> list[Account]:
    return [await employee(storage, f"reader{i}") for i in range(count)]


async def test_a_view_recorded_twice_is_kept_once(storage: Storage) -> None:
    author = await employee(storage, "author")
    readers = await staff(storage, 3)
    status_id = await post(storage, author, "all hands at ten")
    views = [View(status_id, "2026-03-02", r.id) for r in readers]

    assert await storage.reach.record(views) == 3
    # The same views again (another process, another path) change nothing
    assert await storage.reach.record([*views, views[0]]) == 0
    assert await storage.reach.reach(PostSet(status_id=status_id)) == 3


async def test_reach_over_time_counts_distinct_people_per_day_and_in_all(storage: Storage) -> None:
    author = await employee(storage, "author")
    a, b, c = await staff(storage, 3)
    status_id = await post(storage, author)
    await storage.reach.record([View(status_id, "2026-03-02", a.id), View(status_id, "2026-03-02", b.id),
                                View(status_id, "2026-03-03", a.id), View(status_id, "2026-03-03", c.id)])

    assert await storage.reach.days(PostSet(status_id=status_id)) == [
        ReachDay("2026-03-02", 2, 2), ReachDay("2026-03-03", 2, 1)]
    assert await storage.reach.reach(PostSet(status_id=status_id)) == 3
    assert await storage.reach.reach(PostSet(status_id=status_id, since="2026-03-03")) == 2
    assert await storage.reach.reach_by_post([status_id, status_id + 1]) == {status_id: 3}


async def test_departments_count_viewers_by_membership_and_those_in_none(storage: Storage) -> None:
    author = await employee(storage, "author")
    readers = await staff(storage, 4)
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    for reader in readers[:3]:
        await storage.departments.set_member(sales.id, reader.id, MemberRole.MEMBER)
    status_id = await post(storage, author)
    await storage.reach.record([View(status_id, "2026-03-02", r.id) for r in readers])

    assert await storage.reach.departments(PostSet(status_id=status_id)) == {sales.id: 3, None: 1}
    assert (await storage.reach.memberships())[readers[0].id] == frozenset({sales.id})


async def test_sets_of_posts_by_author_department_and_hashtag(storage: Storage) -> None:
    ceo, other = await employee(storage, "ceo"), await employee(storage, "other")
    a, b = await staff(storage, 2)
    board = await storage.accounts.create_local(new_account("board", AccountKind.DEPARTMENT))
    await storage.departments.set_member(board.id, ceo.id, MemberRole.MEMBER)
    first = await post(storage, ceo, "#allhands", tags=TAG)
    second = await post(storage, ceo, "quarter")
    theirs = await post(storage, other, "#allhands", tags=TAG)
    direct = await post(storage, ceo, "psst", visibility=Visibility.DIRECT, mention_ids=(a.id,))
    await storage.reach.record([View(first, "2026-03-02", a.id), View(second, "2026-03-02", b.id),
                                View(theirs, "2026-03-02", b.id), View(direct, "2026-03-02", a.id)])

    # A direct post is never in an author's, a department's or a campaign's set
    assert await storage.reach.reach(PostSet(author_id=ceo.id)) == 2
    assert await storage.reach.reach(PostSet(department_id=board.id)) == 2
    assert await storage.reach.reach(PostSet(tag="allhands")) == 2
    assert sorted(await storage.reach.post_ids(PostSet(tag="allhands"), 10)) == sorted([first, theirs])
    assert await storage.reach.top(PostSet(tag="allhands"), 1) in ([(theirs, 1)], [(first, 1)])
    today = utcnow().date().isoformat()
    assert await storage.reach.posts_per_day(PostSet(author_id=ceo.id)) == [(today, 2)]


async def test_engagement_counts_staff_favourites_boosts_replies_and_voters_not_the_author(
    storage: Storage,
) -> None:
    author = await employee(storage, "author")
    a, b = await staff(storage, 2)
    status_id = await post(storage, author, "vote")
    await storage.interactions.add("favourite", a.id, status_id)
    await storage.interactions.add("favourite", author.id, status_id)
    await post(storage, b, "agreed", in_reply_to_id=status_id)
    await post(storage, author, "thread", in_reply_to_id=status_id)

    found = await storage.reach.engagement(PostSet(status_id=status_id))
    assert found == InsideEngagement(favourites=1, reblogs=0, replies=1, poll_votes=0)


async def test_readers_by_week_and_posters_by_day(storage: Storage) -> None:
    author = await employee(storage, "author")
    a, b = await staff(storage, 2)
    status_id = await post(storage, author)
    await storage.reach.record([View(status_id, "2026-03-02", a.id), View(status_id, "2026-03-08", a.id),
                                View(status_id, "2026-03-09", b.id)])

    assert week_of("2026-03-08") == "2026-03-02"
    assert sorted(await storage.reach.readers_by_week("2026-03-02", "2026-03-09")) == sorted(
        [("2026-03-02", a.id), ("2026-03-09", b.id)])
    today = utcnow().date()
    posters = await storage.reach.posters_by_day((today - timedelta(days=1)).isoformat(), today.isoformat())
    assert posters == [(today.isoformat(), author.id)]
