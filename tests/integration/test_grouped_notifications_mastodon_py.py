"""Grouped notifications (Mastodon 4.3's v2 API) driven by Mastodon.py against a live server.

Given four employees on a running server; when three of them favourite one
of alice's posts, two boost it, two follow her and one mentions her; then
alice's grouped notifications read "dave and 2 others liked your post", as
Ivory, Elk and Mastodon's own apps show it, and every grouped endpoint
answers as Mastodon 4.3 does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob", "carol", "dave")


def _ids(items: Iterable[Any]) -> list[str]:
    return [str(item) for item in items]


def _by_type(results: Any) -> dict[str, Any]:
    return {group["type"]: group for group in results["notification_groups"]}


def _given_a_busy_post(live_server: LiveServer, session: requests.Session) -> tuple[Mastodon, dict[str, str], str]:
    """alice's post favourited by bob, carol and dave, boosted by bob and carol; carol and dave follow her;
    then bob mentions her. Returns alice's client, the others' account ids, and the post's id."""
    clients = {name: signed_in(live_server, session, name) for name in ("alice", "bob", "carol", "dave")}
    alice = clients["alice"]
    ids = {name: str(client.me()["id"]) for name, client in clients.items()}
    post = alice.status_post("Our new office opens on Monday")
    for name in ("bob", "carol", "dave"):
        clients[name].status_favourite(post["id"])
    for name in ("bob", "carol"):
        clients[name].status_reblog(post["id"])
    for name in ("carol", "dave"):
        clients[name].account_follow(ids["alice"])
    clients["bob"].status_post("@alice see you there")
    return alice, ids, str(post["id"])


def test_favourites_boosts_and_follows_share_a_group(live_server: LiveServer, session: requests.Session) -> None:
    alice, ids, post_id = _given_a_busy_post(live_server, session)

    results = alice.grouped_notifications(expand_accounts="full")

    groups = results["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "follow", "reblog", "favourite"]
    favourites = _by_type(results)["favourite"]
    assert re.fullmatch(rf"favourite-{post_id}-\d+", favourites["group_key"])
    assert favourites["notifications_count"] == 3
    assert _ids(favourites["sample_account_ids"]) == [ids["dave"], ids["carol"], ids["bob"]]
    assert str(favourites["status_id"]) == post_id
    assert str(favourites["page_max_id"]) == str(favourites["most_recent_notification_id"])
    assert str(favourites["page_min_id"]) == str(favourites["page_max_id"])  # the page starts at dave's
    assert favourites["latest_page_notification_at"] is not None
    boosts = _by_type(results)["reblog"]
    assert int(boosts["page_min_id"]) < int(boosts["page_max_id"])  # both boosts are within the page
    assert re.fullmatch(rf"reblog-{post_id}-\d+", boosts["group_key"])
    assert _ids(boosts["sample_account_ids"]) == [ids["carol"], ids["bob"]]
    follows = _by_type(results)["follow"]
    assert re.fullmatch(r"follow-\d+", follows["group_key"])
    assert follows["notifications_count"] == 2
    assert follows.get("status_id") is None
    mention = _by_type(results)["mention"]
    assert mention["group_key"] == f"ungrouped-{mention['most_recent_notification_id']}"
    assert mention["notifications_count"] == 1
    assert sorted(_ids(a["id"] for a in results["accounts"])) == sorted([ids["bob"], ids["carol"], ids["dave"]])
    assert len({status["id"] for status in results["statuses"]}) == len(results["statuses"])
    assert post_id in _ids(status["id"] for status in results["statuses"])


def test_v1_and_v2_carry_the_same_group_key(live_server: LiveServer, session: requests.Session) -> None:
    alice, _, _ = _given_a_busy_post(live_server, session)

    flat = alice.notifications()
    grouped = _by_type(alice.grouped_notifications())

    assert len(flat) == 8
    assert {n["group_key"] for n in flat if n["type"] == "favourite"} == {grouped["favourite"]["group_key"]}
    assert {n["group_key"] for n in flat if n["type"] == "follow"} == {grouped["follow"]["group_key"]}


def test_partial_avatars_send_all_but_the_first_account_short(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice, ids, _ = _given_a_busy_post(live_server, session)

    results = alice.grouped_notifications(expand_accounts="partial_avatars", types=["favourite"])

    assert _ids(a["id"] for a in results["accounts"]) == [ids["dave"]]
    partial = {str(a["id"]): a for a in results["partial_accounts"]}
    assert sorted(partial) == sorted([ids["carol"], ids["bob"]])
    assert {key for key, value in partial[ids["bob"]].items() if value is not None} == {
        "id", "acct", "locked", "bot", "url", "avatar", "avatar_static"}
    with pytest.raises(MastodonAPIError):
        alice.grouped_notifications(expand_accounts="everything")


def test_grouped_types_types_and_exclude_types(live_server: LiveServer, session: requests.Session) -> None:
    alice, _, _ = _given_a_busy_post(live_server, session)

    only_favourites_grouped = alice.grouped_notifications(grouped_types=["favourite"])
    favourites_only = alice.grouped_notifications(types=["favourite"])
    no_follows = alice.grouped_notifications(exclude_types=["follow", "mention"])

    kinds = [g["type"] for g in only_favourites_grouped["notification_groups"]]
    assert kinds == ["mention", "follow", "follow", "reblog", "reblog", "favourite"]
    assert all(g["group_key"].startswith("ungrouped-") for g in only_favourites_grouped["notification_groups"]
               if g["type"] != "favourite")
    assert [g["type"] for g in favourites_only["notification_groups"]] == ["favourite"]
    assert [g["type"] for g in no_follows["notification_groups"]] == ["reblog", "favourite"]


def test_pages_of_groups_follow_the_link_header(live_server: LiveServer, session: requests.Session) -> None:
    """As on Mastodon, a group whose older notifications lie beyond a page shows again on the next one,
    counted as of that page; clients merge the two by ``group_key``."""
    alice, _, _ = _given_a_busy_post(live_server, session)

    first: Any = alice.grouped_notifications(limit=2)
    second: Any = alice.fetch_next(first)
    assert second is not None
    third: Any = alice.fetch_next(second)
    assert third is not None

    assert [g["type"] for g in first["notification_groups"]] == ["mention", "follow"]
    assert [g["type"] for g in second["notification_groups"]] == ["follow", "reblog"]
    assert second["notification_groups"][0]["group_key"] == first["notification_groups"][1]["group_key"]
    assert second["notification_groups"][0]["notifications_count"] == 1
    assert [g["type"] for g in third["notification_groups"]] == ["reblog", "favourite"]
    assert third["notification_groups"][1]["notifications_count"] == 3


def test_one_group_its_accounts_and_its_dismissal(live_server: LiveServer, session: requests.Session) -> None:
    alice, ids, _ = _given_a_busy_post(live_server, session)
    key = _by_type(alice.grouped_notifications())["favourite"]["group_key"]

    (group,) = alice.grouped_notification(key)["notification_groups"]
    senders = alice.grouped_notification_accounts(key)
    unread = alice.unread_grouped_notifications_count()
    unread_with_only_follows_grouped = alice.unread_grouped_notifications_count(grouped_types=["follow"])
    unread_favourites = alice.unread_grouped_notifications_count(types=["favourite"])
    alice.dismiss_grouped_notification(key)

    assert group["notifications_count"] == 3
    assert group.get("page_min_id") is None  # only a page has page bounds
    assert _ids(a["id"] for a in senders) == [ids["dave"], ids["carol"], ids["bob"]]
    assert unread == 4
    assert unread_with_only_follows_grouped == 7
    assert unread_favourites == 1
    assert [n["type"] for n in alice.notifications() if n["type"] == "favourite"] == []
    with pytest.raises(MastodonNotFoundError):
        alice.grouped_notification(key)


def test_a_muted_sender_leaves_the_group(live_server: LiveServer, session: requests.Session) -> None:
    alice, ids, _ = _given_a_busy_post(live_server, session)

    alice.account_mute(ids["dave"], notifications=True)
    favourites = _by_type(alice.grouped_notifications())["favourite"]

    assert favourites["notifications_count"] == 2
    assert _ids(favourites["sample_account_ids"]) == [ids["carol"], ids["bob"]]
