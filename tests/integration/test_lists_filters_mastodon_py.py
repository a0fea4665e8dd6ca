"""Lists, filters, followed tags, search, reports and conversations driven by Mastodon.py against a live server.

Given three employees on a running server; when a real client library
manages lists and filters, follows a tag, searches and reports; then every
answer parses into Mastodon.py's entities, and search never shows a post
the searcher could not open.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob", "carol")






def test_lists_and_their_timeline(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    bob_id = bob.me().id
    team = alice.list_create("Team", replies_policy="followed")
    assert team.title == "Team" and team.replies_policy == "followed" and team.exclusive is False

    with pytest.raises(MastodonAPIError):
        alice.list_accounts_add(team, [bob_id])  # not followed yet
    alice.account_follow(bob_id)
    alice.list_accounts_add(team, [bob_id])
    posted = bob.status_post("for the team")

    assert [a.id for a in alice.list_accounts(team)] == [bob_id]
    assert [s.id for s in alice.timeline_list(team)] == [posted.id]
    assert [found.id for found in alice.account_lists(bob_id)] == [team.id]
    assert alice.list_update(team, "Core", exclusive=True).exclusive is True
    with pytest.raises(MastodonNotFoundError):
        bob.list(team.id)
    alice.list_delete(team)
    assert alice.lists() == []


def test_filters_v2_apply_to_the_home_timeline(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    alice.account_follow(bob.me().id)
    flt = alice.create_filter_v2("Dragons", ["home"], "warn", keywords_attributes=[{"keyword": "dragon"}])
    keyword = alice.add_filter_keyword_v2(flt, "wyrm", whole_word=True)
    bob.status_post("A dragon appears")

    [shown] = alice.timeline_home()
    assert shown.filtered[0].filter.id == flt.id and shown.filtered[0].keyword_matches == ["dragon"]
    assert {k.keyword for k in alice.filter_keywords_v2(flt)} == {"dragon", "wyrm"}
    alice.delete_filter_keyword_v2(keyword)
    updated = alice.update_filter_v2(flt, filter_action="hide")
    assert updated.filter_action == "hide"
    assert alice.timeline_home() == []
    assert [f.phrase for f in alice.filters()] == ["dragon"]
    alice.delete_filter_v2(flt)
    assert alice.filters_v2() == []


def test_search_tags_and_reports(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob, carol = (signed_in(live_server, session, n) for n in ("alice", "bob", "carol"))
    shared = bob.status_post("Canary launch notes #Launch")
    bob.status_post("Canary launch notes for @alice", visibility="direct")

    found = carol.search_v2("canary", result_type="statuses")
    assert [s.id for s in found.statuses] == [shared.id]
    people = carol.search_v2("bo", result_type="accounts")
    assert [a.acct for a in people.accounts] == ["bob"]
    assert [t.name for t in carol.search_v2("#laun", result_type="hashtags").hashtags] == ["Launch"]

    tag = carol.tag_follow("launch")
    assert tag.following is True and [t.name for t in carol.followed_tags()] == ["Launch"]
    assert carol.tag_unfollow("launch").following is False

    report = carol.report(bob.me().id, status_ids=[shared.id], comment="spam?", category="spam", forward=True)
    assert report.category == "spam" and report.forwarded is False and report.target_account.acct == "bob"
    assert alice.announcements() == []

    [conversation] = alice.conversations()
    assert conversation.unread is True and [a.acct for a in conversation.accounts] == ["bob"]
    assert alice.conversations_read(conversation).unread is False
    assert carol.conversations() == []
