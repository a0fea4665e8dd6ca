"""Lists, filters, followed tags, staff reports, conversations and search, against every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activitypub.errors import Conflict
from storage.clock import utcnow
from storage.curation import (
    FilterAction,
    FilterFields,
    KeywordEdit,
    NewStaffReport,
    RepliesPolicy,
    ReportCategory,
)
from storage.models import FollowState, NewStatus, Page, Visibility
from storage.protocols import Storage
from tests.storage.test_social import employee, post

pytestmark = pytest.mark.anyio


async def test_list_members_must_be_followed_and_leave_with_the_follow(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    await storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED)
    team = await storage.lists.create(alice.id, "Team", RepliesPolicy.LIST, False)

    assert await storage.lists.add_accounts(team.id, [bob.id, carol.id]) == [carol.id]
    assert await storage.lists.members(team.id, None) == []
    assert await storage.lists.add_accounts(team.id, [bob.id]) == []
    assert [a.username for _, a in await storage.lists.members(team.id, Page(limit=10))] == ["bob"]
    assert [found.id for found in await storage.lists.with_member(alice.id, bob.id)] == [team.id]
    assert await storage.lists.get(bob.id, team.id) is None

    await storage.follows.remove(alice.id, bob.id)
    assert await storage.lists.members(team.id, None) == []


async def test_list_timeline_follows_the_replies_policy_and_visibility(storage: Storage) -> None:
    alice, bob, carol, dave = [await employee(storage, n) for n in ("alice", "bob", "carol", "dave")]
    for target in (bob, carol):
        await storage.follows.follow(alice.id, target.id, FollowState.ACCEPTED)
    team = await storage.lists.create(alice.id, "Team", RepliesPolicy.LIST, False)
    await storage.lists.add_accounts(team.id, [bob.id])
    root = await post(storage, carol, "root")
    dave_root = await post(storage, dave, "dave root")
    plain = await post(storage, bob, "plain")
    to_carol = await post(storage, bob, "reply", in_reply_to_id=root, in_reply_to_account_id=carol.id)
    to_dave = await post(storage, bob, "reply", in_reply_to_id=dave_root, in_reply_to_account_id=dave.id)
    secret = await post(storage, bob, "secret", visibility=Visibility.DIRECT)

    assert await storage.lists.timeline(team.id, Page()) == [plain]
    await storage.lists.update(team.id, "Team", RepliesPolicy.FOLLOWED, False)
    assert await storage.lists.timeline(team.id, Page()) == [to_carol, plain]
    await storage.lists.update(team.id, "Team", RepliesPolicy.NONE, False)
    assert await storage.lists.timeline(team.id, Page()) == [plain]
    await storage.lists.update(team.id, "Team", RepliesPolicy.FOLLOWED, False)
    assert to_dave not in await storage.lists.timeline(team.id, Page())
    assert [found.id for found in await storage.lists.lists_for_status(plain)] == [team.id]
    assert await storage.lists.lists_for_status(secret) == []


async def test_exclusive_lists_name_their_owners(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    await storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED)
    team = await storage.lists.create(alice.id, "Team", RepliesPolicy.LIST, True)
    await storage.lists.add_accounts(team.id, [bob.id])
    assert await storage.lists.exclusive_owner_ids(bob.id) == frozenset({alice.id})


async def test_filters_keep_keywords_and_statuses_and_expire(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    status = await post(storage, bob)
    fields = FilterFields("Spoilers", ("home", "public"), FilterAction.WARN, None)
    created = await storage.filters.create(alice.id, fields, [("dragon", True), ("ring", False)])
    assert [(k.keyword, k.whole_word) for k in created.keywords] == [("dragon", True), ("ring", False)]
    entry = await storage.filters.add_status(created.id, status)
    with pytest.raises(Conflict):
        await storage.filters.add_status(created.id, status)

    first, second = created.keywords
    updated = await storage.filters.update(created.id, FilterFields("S", ("thread",), FilterAction.HIDE, None), [
        KeywordEdit(first.id, "wyrm", None), KeywordEdit(second.id, None, None, destroy=True),
        KeywordEdit(None, "orc", False),
    ])
    assert [(k.keyword, k.whole_word) for k in updated.keywords] == [("wyrm", True), ("orc", False)]
    assert updated.filter_action is FilterAction.HIDE and [s.id for s in updated.statuses] == [entry.id]
    assert await storage.filters.active(alice.id, "thread", utcnow()) == [updated]
    assert await storage.filters.active(alice.id, "home", utcnow()) == []
    assert await storage.filters.get(bob.id, created.id) is None
    assert await storage.filters.get_keyword(bob.id, first.id) is None

    expiring = FilterFields("S", ("thread",), FilterAction.HIDE, utcnow() + timedelta(minutes=5))
    await storage.filters.update(created.id, expiring, [])
    assert await storage.filters.active(alice.id, "thread", utcnow() + timedelta(minutes=10)) == []
    assert await storage.filters.delete(alice.id, created.id)
    assert await storage.filters.owned(alice.id) == []


async def test_tag_follows_reach_only_those_who_may_see(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    tag = await storage.tag_follows.follow(alice.id, "launch", "Launch")
    await storage.tag_follows.follow(alice.id, "launch", "Launch")
    await storage.tag_follows.follow(carol.id, "launch", "launch")
    await storage.relationships.block(carol.id, bob.id)
    public = await post(storage, bob, "#launch", tags=(("launch", "Launch"),))
    private = await post(storage, bob, "#launch", tags=(("launch", "Launch"),), visibility=Visibility.PRIVATE)

    assert await storage.tag_follows.followers_for_status(public) == [alice.id]
    assert await storage.tag_follows.followers_for_status(private) == []
    assert [f.tag.name for f in await storage.tag_follows.followed(alice.id, Page())] == ["launch"]
    assert await storage.tag_follows.following(alice.id, [tag.id]) == frozenset({tag.id})
    assert await storage.tag_follows.unfollow(alice.id, tag.id)
    assert await storage.tag_follows.following(alice.id, [tag.id]) == frozenset()


async def test_staff_reports_are_kept_for_admins(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    status = await post(storage, bob)
    report = await storage.staff_reports.create(NewStaffReport(
        alice.id, bob.id, (status,), "rude", ReportCategory.OTHER, (), forward=True,
    ))
    assert report.status_ids == (status,) and report.forward and report.forwarded_at is None
    assert await storage.staff_reports.recent() == [report]
    assert await storage.staff_reports.get(report.id) == report


async def test_conversations_group_direct_statuses_by_thread(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    first = await post(storage, alice, "hi bob", visibility=Visibility.DIRECT, mention_ids=(bob.id,))
    answer = await post(storage, bob, "hi alice", visibility=Visibility.DIRECT, mention_ids=(alice.id,),
                        in_reply_to_id=first, in_reply_to_account_id=alice.id)

    [seen] = await storage.conversations.listed(alice.id, Page())
    assert (seen.id, seen.last_status_id, seen.participant_ids, seen.unread) == (first, answer, (bob.id,), True)
    assert await storage.conversations.listed(carol.id, Page()) == []
    [own] = await storage.conversations.listed(bob.id, Page())
    assert own.unread is False  # the last word was bob's

    await storage.conversations.mark_read(alice.id, first, answer)
    assert (await storage.conversations.get(alice.id, first)).unread is False  # type: ignore[union-attr]
    await storage.conversations.remove(alice.id, first, answer)
    assert await storage.conversations.listed(alice.id, Page()) == []
    again = await post(storage, bob, "still there?", visibility=Visibility.DIRECT, mention_ids=(alice.id,),
                       in_reply_to_id=answer, in_reply_to_account_id=alice.id)
    assert [c.last_status_id for c in await storage.conversations.listed(alice.id, Page())] == [again]


async def test_full_text_search_sees_only_visible_statuses(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, n) for n in ("alice", "bob", "carol")]
    shared = await post(storage, bob, "The quarterly roadmap is ready")
    secret = await post(storage, bob, "roadmap for alice only", visibility=Visibility.DIRECT, mention_ids=(alice.id,))
    await storage.statuses.create(NewStatus(carol.id, Visibility.PUBLIC, reblog_of_id=shared))

    assert await storage.search.statuses(carol.id, ["roadmap"], Page(), offset=0) == [shared]
    assert await storage.search.statuses(alice.id, ["ROADMAP"], Page(), offset=0) == [secret, shared]
    assert await storage.search.statuses(alice.id, ["quarter"], Page(), offset=0) == [shared]
    assert await storage.search.statuses(alice.id, ['"roadmap" OR'], Page(), offset=0) == []
    assert await storage.search.statuses(alice.id, ["roadmap"], Page(limit=1), offset=1) == [shared]

    await storage.statuses.delete(shared)
    assert await storage.search.statuses(alice.id, ["roadmap"], Page(), offset=0) == [secret]
    assert [t.name for t in await storage.search.tags("la", limit=5, offset=0)] == []
