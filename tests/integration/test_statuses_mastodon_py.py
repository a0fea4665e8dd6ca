"""Statuses, timelines and notifications driven by Mastodon.py, the reference client, against a live server.

Given two employees on a running server; when a real client posts,
pages, favourites, boosts, replies and edits; then every answer parses
into Mastodon.py's entities, pagination neither skips nor repeats, and the
other side sees the notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
import requests
from mastodon import MastodonNotFoundError

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob")






def test_home_timeline_pages_through_more_than_a_hundred_statuses(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice", check_version=True)
    bob = signed_in(live_server, session, "bob")
    assert alice.verify_minimum_version("4.0.0", cached=True)
    bob.account_follow(alice.account_lookup("alice"))
    posted = [alice.status_post(f"update number {n}").id for n in range(105)]

    seen: list[int] = []
    page = bob.timeline_home(limit=40)
    while page:
        seen.extend(status.id for status in page)
        page = bob.fetch_next(page)
    assert seen == list(reversed(posted)), "every status once, newest first"

    newest_first = bob.timeline_home(limit=5, min_id=posted[49])
    assert [s.id for s in newest_first] == list(reversed(posted[50:55]))
    assert isinstance(newest_first[0].created_at, datetime)


def test_favourites_boosts_replies_and_their_notifications(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    original = alice.status_post("Release notes are out #launch", visibility="public", language="en")

    assert bob.status_favourite(original).favourited is True
    boost = bob.status_reblog(original)
    assert boost.reblog.id == original.id and boost.id != original.id
    reply = bob.status_post("@alice well done", in_reply_to_id=original.id)
    assert reply.in_reply_to_id == original.id and [m.acct for m in reply.mentions] == ["alice"]

    kinds = sorted(n.type for n in alice.notifications())
    assert kinds == ["favourite", "mention", "reblog"]
    context = alice.status_context(original)
    assert [s.id for s in context.descendants] == [reply.id]
    assert [a.acct for a in alice.status_favourited_by(original)] == ["bob"]
    assert [a.acct for a in alice.status_reblogged_by(original)] == ["bob"]
    tagged = bob.timeline_hashtag("launch")
    assert [s.id for s in tagged] == [original.id]
    assert original.local_only is True and original.publication.state == "internal"


def test_edit_history_and_delete_for_redraft(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    status = alice.status_post("first draft", spoiler_text="")
    edited = alice.status_update(status, "second draft", spoiler_text="minor")

    assert edited.edited_at is not None and edited.spoiler_text == "minor"
    history = bob.status_history(status)
    assert [h.content for h in history] == ["<p>first draft</p>", "<p>second draft</p>"]
    assert alice.status_source(status).text == "second draft"

    deleted = alice.status_delete(status)
    assert deleted.text == "second draft"
    with pytest.raises(MastodonNotFoundError):
        bob.status(status)


def test_private_and_direct_posts_stay_with_their_audience(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    secret = alice.status_post("only for followers", visibility="private")
    with pytest.raises(MastodonNotFoundError):
        bob.status(secret)
    bob.account_follow(alice.account_lookup("alice"))
    assert bob.status(secret).content == "<p>only for followers</p>"
    local = bob.timeline_public(local=True)
    assert secret.id not in [s.id for s in local], "private posts never reach the public timeline"


def test_a_boost_wrapper_carries_the_viewers_flags_of_the_boosted_post(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    bob = signed_in(live_server, session, "bob")
    alice.account_follow(alice.account_lookup("bob"))
    post = bob.status_post("Worth sharing")
    alice.status_favourite(post)
    alice.status_bookmark(post)

    # When alice boosts it
    boost = alice.status_reblog(post)

    # Then the answer's wrapper reports her flags of the boosted post, as its inner status does
    assert boost["reblog"]["id"] == post["id"]
    for shown in (boost, boost["reblog"]):
        assert shown["reblogged"] is True
        assert shown["favourited"] is True
        assert shown["bookmarked"] is True
        assert shown["muted"] is False
    assert boost.get("pinned") is None  # absent (Mastodon.py reads it as None): pinnable? is false for a boost

    # And so does every other place the wrapper is shown: her home timeline and the wrapper read alone
    home = alice.timeline_home()
    wrapper = next(status for status in home if status["id"] == boost["id"])
    assert wrapper["reblogged"] is True
    assert wrapper["favourited"] is True
    assert wrapper["bookmarked"] is True
    assert alice.status(boost)["reblogged"] is True

    # And once she unfavourites the post, the wrapper follows
    alice.status_unfavourite(post)
    assert alice.status(boost)["favourited"] is False
