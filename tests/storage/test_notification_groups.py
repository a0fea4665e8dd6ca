"""Grouped notifications: the key each gets when stored, and a group read, summarised and dismissed whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.models import Account, NewStatus, Page, Visibility
from storage.notification_groups import (
    MAX_GROUP_SPAN_HOURS,
    group_prefix,
    hour_bucket,
    next_group_key,
    shown_group_key,
    ungrouped_id,
)
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio
NOON = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


async def employee(storage: Storage, name: str) -> Account:
    return await storage.accounts.create_local(new_account(name), new_user(f"{name}@example.com"))


def test_only_favourites_boosts_and_follows_have_a_prefix() -> None:
    assert group_prefix("favourite", 7) == "favourite-7"
    assert group_prefix("reblog", 7) == "reblog-7"
    assert group_prefix("follow", None) == "follow"
    assert group_prefix("mention", 7) is None
    assert group_prefix("follow_request", None) is None


def test_a_group_spans_at_most_twelve_hours() -> None:
    first = next_group_key("favourite-7", NOON, None)
    later = next_group_key("favourite-7", NOON + timedelta(hours=MAX_GROUP_SPAN_HOURS - 1), first)
    too_late = next_group_key("favourite-7", NOON + timedelta(hours=MAX_GROUP_SPAN_HOURS), first)

    assert first == f"favourite-7-{hour_bucket(NOON)}"
    assert later == first
    assert too_late == f"favourite-7-{hour_bucket(NOON) + MAX_GROUP_SPAN_HOURS}"


def test_the_key_a_client_sees() -> None:
    assert shown_group_key(5, "favourite", "favourite-7-1") == "favourite-7-1"
    assert shown_group_key(5, "favourite", "favourite-7-1", grouped_types={"follow"}) == "ungrouped-5"
    assert shown_group_key(5, "mention", None) == "ungrouped-5"
    assert ungrouped_id("ungrouped-5") == 5
    assert ungrouped_id("favourite-7-1") is None
    assert ungrouped_id("ungrouped-x") is None


async def test_favourites_of_one_status_share_a_group(storage: Storage) -> None:
    alice, bob, carol = [await employee(storage, name) for name in ("alice", "bob", "carol")]
    status = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="hi", content="<p>hi</p>"))
    other = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="yo", content="<p>yo</p>"))

    first = await storage.notifications.add(alice.id, bob.id, "favourite", status.id)
    second = await storage.notifications.add(alice.id, carol.id, "favourite", status.id)
    elsewhere = await storage.notifications.add(alice.id, bob.id, "favourite", other.id)
    mention = await storage.notifications.add(alice.id, bob.id, "mention", status.id)

    assert first is not None and second is not None and elsewhere is not None and mention is not None
    assert first.group_key == second.group_key
    assert first.group_key is not None and first.group_key.startswith(f"favourite-{status.id}-")
    assert elsewhere.group_key != first.group_key
    assert mention.group_key is None


async def test_a_group_is_summarised_paged_and_dismissed_whole(storage: Storage) -> None:
    alice, bob, carol, dave = [await employee(storage, name) for name in ("alice", "bob", "carol", "dave")]
    added = [await storage.notifications.add(alice.id, sender.id, "follow", None) for sender in (bob, carol, dave)]
    key = added[0].group_key if added[0] else None
    assert key is not None

    summary = (await storage.notifications.group_summaries(alice.id, [key])).get(key)
    hiding_dave = (await storage.notifications.group_summaries(alice.id, [key], hidden_senders=[dave.id]))[key]
    as_of_carol = (await storage.notifications.group_summaries(
        alice.id, [key], upto=added[1].id if added[1] else 0, page_from=added[1].id if added[1] else 0))[key]
    members = await storage.notifications.in_group(alice.id, key, Page(limit=2))

    assert summary is not None
    assert summary.count == 3
    assert summary.sample_sender_ids == (dave.id, carol.id, bob.id)
    assert summary.page_min_id is None
    assert hiding_dave.sample_sender_ids == (carol.id, bob.id)
    assert as_of_carol.count == 2
    assert as_of_carol.page_min_id == (added[1].id if added[1] else None)
    assert [n.from_account_id for n in members] == [dave.id, carol.id]
    assert await storage.notifications.dismiss_group(bob.id, key) == 0, "only the owner dismisses"
    assert await storage.notifications.dismiss_group(alice.id, key) == 3
    assert await storage.notifications.group_summaries(alice.id, [key]) == {}
