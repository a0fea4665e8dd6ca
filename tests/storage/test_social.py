"""Follows, statuses, timelines, interactions and notifications, against every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activitypub.errors import NotFound
from storage.clock import utcnow
from storage.models import (
    Account,
    AccountKind,
    FollowState,
    MemberRole,
    NewStatus,
    Page,
    PublicationState,
    StatusChanges,
    StatusFilter,
    Visibility,
)
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def employee(storage: Storage, name: str) -> Account:
    return await storage.accounts.create_local(new_account(name), new_user(f"{name}@example.com"))


async def post(storage: Storage, author: Account, text: str = "hello", **kwargs: object) -> int:
    visibility = kwargs.pop("visibility", Visibility.PUBLIC)
    status = await storage.statuses.create(
        NewStatus(author.id, visibility, text=text, content=f"<p>{text}</p>", **kwargs)  # type: ignore[arg-type]
    )
    return status.id


async def test_follow_requests_accept_and_counts(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")

    pending = await storage.follows.follow(bob.id, alice.id, FollowState.PENDING, uri="https://x/follow/1")
    assert pending.state is FollowState.PENDING and await storage.follows.count_requests(alice.id) == 1
    assert await storage.follows.count_followers(alice.id) == 0
    assert await storage.follows.get_by_uri("https://x/follow/1") == pending

    assert await storage.follows.accept(pending.id)
    again = await storage.follows.follow(bob.id, alice.id, FollowState.PENDING, show_reblogs=False)
    assert again.state is FollowState.ACCEPTED and again.show_reblogs is False

    assert await storage.follows.count_followers(alice.id) == 1
    assert await storage.follows.count_following(bob.id) == 1
    assert await storage.follows.local_follower_ids(alice.id) == [bob.id]
    assert await storage.follows.local_follower_ids(alice.id, with_reblogs_only=True) == []
    assert [a.id for _, a in await storage.follows.followers(alice.id, Page())] == [bob.id]
    assert [a.id for _, a in await storage.follows.following(bob.id, Page())] == [alice.id]
    assert await storage.follows.count_followers(alice.id, remote_only=True) == 0

    removed = await storage.follows.remove(bob.id, alice.id)
    assert removed is not None and await storage.follows.get(bob.id, alice.id) is None


async def test_a_status_keeps_its_revisions_mentions_and_tags(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    created = await storage.statuses.create(NewStatus(
        alice.id, Visibility.UNLISTED, text="hi @bob #News", content="<p>hi</p>", mention_ids=(bob.id,),
        tags=(("news", "News"),), language="en",
    ))

    edited = await storage.statuses.edit(created.id, StatusChanges(
        text="hello #Other", content="<p>hello</p>", spoiler_text="cw", sensitive=True, language="en",
        tags=(("other", "Other"),),
    ))

    assert (edited.text, edited.spoiler_text, edited.sensitive) == ("hello #Other", "cw", True)
    assert edited.edited_at is not None and edited.publication_state is PublicationState.INTERNAL
    assert [e.text for e in await storage.statuses.edits(created.id)] == ["hi @bob #News", "hello #Other"]
    assert (await storage.statuses.mention_ids([created.id])).get(created.id, []) == []
    assert [t.display_name for t in (await storage.statuses.tags([created.id]))[created.id]] == ["Other"]
    with pytest.raises(NotFound):
        await storage.statuses.edit(999, StatusChanges("x", "x", "", False, None))


async def test_replies_share_the_thread_and_counts_ignore_deleted(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    root = await post(storage, alice, "root")
    reply = await post(storage, bob, "reply", in_reply_to_id=root, in_reply_to_account_id=alice.id)
    deeper = await post(storage, alice, "deeper", in_reply_to_id=reply, in_reply_to_account_id=bob.id)
    boost = await storage.statuses.create(NewStatus(bob.id, Visibility.PUBLIC, reblog_of_id=root))
    await storage.interactions.add("favourite", bob.id, root)

    assert [s.id for s in await storage.statuses.thread(root)] == [root, reply, deeper]
    assert (await storage.statuses.counts([root]))[root] == (1, 1, 1)
    assert (await storage.statuses.find_reblog(bob.id, root)) is not None

    assert await storage.statuses.delete(root)
    deleted = await storage.statuses.get(boost.id)
    assert deleted is not None and deleted.deleted_at is not None, "a boost goes with its original"
    assert (await storage.statuses.counts([reply]))[reply] == (1, 0, 0)


async def test_publication_state_and_uri(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    status_id = await post(storage, alice)
    first_edit = (await storage.statuses.edits(status_id))[0]

    published = await storage.statuses.set_publication(
        status_id, PublicationState.PUBLISHED, epoch=1, uri="https://us/users/alice/statuses/1-1", url=None,
        edit_id=first_edit.id,
    )

    assert published.is_published and published.published_at is not None
    assert (await storage.statuses.get_by_uri("https://us/users/alice/statuses/1-1")) == published
    assert await storage.statuses.count_by_account(alice.id, published_only=True) == 1


async def test_home_feed_pages_without_gaps_or_repeats(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    ids = [await post(storage, alice, f"n{i}") for i in range(45)]
    for status_id in ids:
        await storage.timelines.add_to_home(status_id, [bob.id, bob.id])

    seen: list[int] = []
    max_id = None
    while True:
        page = await storage.timelines.home(bob.id, Page(limit=20, max_id=max_id))
        if not page:
            break
        seen.extend(page)
        max_id = page[-1]
    assert seen == sorted(ids, reverse=True)

    newer = await storage.timelines.home(bob.id, Page(limit=5, min_id=ids[9]))
    assert newer == list(reversed(ids[10:15]))
    since = await storage.timelines.home(bob.id, Page(limit=5, since_id=ids[9]))
    assert since == list(reversed(ids[-5:]))

    await storage.relationships.mute(bob.id, alice.id, expires_at=utcnow() - timedelta(seconds=1))
    assert len(await storage.timelines.home(bob.id, Page())) == 20, "an expired mute hides nothing"
    await storage.relationships.mute(bob.id, alice.id)
    assert await storage.timelines.home(bob.id, Page()) == []


async def test_home_merges_a_broadcast_accounts_posts_read_time_without_gaps(storage: Storage) -> None:
    alice, bob, ceo = [await employee(storage, name) for name in ("alice", "bob", "ceo")]
    await storage.follows.follow(bob.id, ceo.id, FollowState.ACCEPTED)
    await storage.timelines.mark_broadcast(ceo.id)
    mine = [await post(storage, alice, f"a{i}") for i in range(15)]
    for status_id in mine:
        await storage.timelines.add_to_home(status_id, [bob.id])
    # The broadcaster's posts reach no feed rows: they are merged in when the home timeline is read
    broadcast = [await post(storage, ceo, f"c{i}") for i in range(15)]
    seen: list[int] = []
    max_id = None
    while page := await storage.timelines.home(bob.id, Page(limit=7, max_id=max_id)):
        seen.extend(page)
        max_id = page[-1]
    assert seen == sorted(mine + broadcast, reverse=True)
    newer = await storage.timelines.home(bob.id, Page(limit=4, min_id=mine[-1]))
    assert newer == list(reversed(sorted(broadcast)[:4]))
    # Someone who doesn't follow the broadcaster gets none of it
    assert await storage.timelines.home(alice.id, Page()) == []


async def test_inside_visibility_rules(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, name) for name in ("alice", "bob", "carol")]
    dept = await storage.accounts.create_local(new_account("eng", AccountKind.DEPARTMENT))
    await storage.departments.set_member(dept.id, carol.id, MemberRole.MEMBER)
    await storage.follows.follow(bob.id, alice.id, FollowState.ACCEPTED)
    public = await post(storage, alice, "public")
    private = await post(storage, alice, "private", visibility=Visibility.PRIVATE)
    direct = await post(storage, alice, "direct", visibility=Visibility.DIRECT, mention_ids=(bob.id,))
    to_dept = await post(storage, alice, "dept", visibility=Visibility.DIRECT, mention_ids=(dept.id,))
    everything = [public, private, direct, to_dept]

    assert await storage.timelines.visible_ids(bob.id, everything) == {public, private, direct}
    assert await storage.timelines.visible_ids(carol.id, everything) == {public, to_dept}
    assert await storage.timelines.visible_ids(alice.id, everything) == set(everything)

    await storage.relationships.block(alice.id, bob.id)
    assert await storage.timelines.visible_ids(bob.id, everything) == set()


async def test_filtered_timelines(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    tagged = await post(storage, alice, "a", tags=(("cats", "Cats"), ("dogs", "dogs")))
    only_cats = await post(storage, alice, "b", tags=(("cats", "cats"),))
    unlisted = await post(storage, bob, "c", visibility=Visibility.UNLISTED)
    reply = await post(storage, bob, "d", in_reply_to_id=tagged, in_reply_to_account_id=alice.id)

    public = await storage.timelines.statuses(bob.id, Page(), StatusFilter(public_only=True, local_only=True))
    assert public == [reply, only_cats, tagged]
    both = StatusFilter(tag_any=("cats",), tag_all=("dogs",))
    assert await storage.timelines.statuses(bob.id, Page(), both) == [tagged]
    assert await storage.timelines.statuses(bob.id, Page(), StatusFilter(tag_any=("cats",), tag_none=("dogs",))) == [
        only_cats
    ]
    by_bob = await storage.timelines.statuses(alice.id, Page(), StatusFilter(exclude_replies=True), account_id=bob.id)
    assert by_bob == [unlisted]
    assert await storage.timelines.statuses(alice.id, Page(), StatusFilter(only_media=True)) == []


async def test_interactions_and_viewer_flags(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    first, second = await post(storage, alice, "1"), await post(storage, alice, "2")

    assert await storage.interactions.add("favourite", bob.id, first)
    assert not await storage.interactions.add("favourite", bob.id, first)
    await storage.interactions.add("bookmark", bob.id, second)
    await storage.interactions.add("pin", alice.id, first)
    await storage.statuses.create(NewStatus(bob.id, Visibility.PUBLIC, reblog_of_id=second))
    thread = (await storage.statuses.get(second))
    assert thread is not None
    await storage.interactions.mute_thread(bob.id, thread.thread_id)

    flags = await storage.interactions.flags(bob.id, [first, second])
    assert (flags.favourited, flags.reblogged, flags.bookmarked, flags.muted_threads) == (
        {first}, {second}, {second}, {second}
    )
    assert await storage.interactions.pinned_ids(alice.id) == [first]
    assert [s for _, s in await storage.interactions.listed("favourite", bob.id, Page())] == [first]
    assert [a.id for _, a in await storage.interactions.favourited_by(first, Page())] == [bob.id]
    assert await storage.interactions.remove("favourite", bob.id, first)
    assert (await storage.interactions.flags(bob.id, [first])).favourited == frozenset()


async def test_notifications_are_deduplicated_filtered_and_dismissed(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    status_id = await post(storage, alice)

    favourite = await storage.notifications.add(alice.id, bob.id, "favourite", status_id)
    assert favourite is not None
    assert await storage.notifications.add(alice.id, bob.id, "favourite", status_id) is None
    follow = await storage.notifications.add(alice.id, bob.id, "follow", None)
    assert follow is not None

    assert [n.type for n in await storage.notifications.list(alice.id, Page())] == ["follow", "favourite"]
    assert [n.type for n in await storage.notifications.list(alice.id, Page(), types=["favourite"])] == ["favourite"]
    assert [n.type for n in await storage.notifications.list(alice.id, Page(), exclude_types=["follow"])] == [
        "favourite"
    ]
    assert await storage.notifications.count_after(alice.id, favourite.id) == 1
    assert await storage.notifications.dismiss(alice.id, follow.id)
    assert not await storage.notifications.dismiss(bob.id, favourite.id), "only the owner can dismiss"
    await storage.statuses.delete(status_id)
    assert await storage.notifications.list(alice.id, Page()) == []


async def test_published_posts_of_an_account_newest_first_in_pages(storage: Storage) -> None:
    # Given alice's three published posts, one internal, one retracted and one deleted, and bob's published post
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    ids = [await post(storage, alice, f"post {n}") for n in range(6)]
    for n in (0, 1, 2, 4, 5):
        await storage.statuses.set_publication(ids[n], PublicationState.PUBLISHED, epoch=1, uri=f"https://us/{n}",
                                               url=None, edit_id=None)
    await storage.statuses.set_publication(ids[4], PublicationState.RETRACTED, epoch=1, uri="https://us/4",
                                           url=None, edit_id=None)
    await storage.statuses.delete(ids[5])
    bobs = await post(storage, bob)
    await storage.statuses.set_publication(bobs, PublicationState.PUBLISHED, epoch=1, uri="https://us/b", url=None,
                                           edit_id=None)

    # When the pages are read two at a time
    first = await storage.statuses.published_by_account(alice.id, max_id=None, limit=2)
    second = await storage.statuses.published_by_account(alice.id, max_id=first[-1].id, limit=2)

    # Then only her published posts come, newest first, without gaps or repeats
    assert [s.id for s in first] == [ids[2], ids[1]]
    assert [s.id for s in second] == [ids[0]]
