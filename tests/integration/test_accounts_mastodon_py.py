"""Accounts, relationships, notifications and markers driven by Mastodon.py against a live server.

Given two employees on a running server; when a real client library does
what apps do (profile edits, follows with approval, blocks, mutes, markers,
paging); then every call parses into Mastodon.py's entities and agrees with
what the other side sees.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice", "bob")






def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), (10, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_profile_edit_and_preferences(live_server: LiveServer, session: requests.Session) -> None:
    alice = signed_in(live_server, session, "alice")

    updated = alice.account_update_credentials(
        display_name="Alice", note="internal bio", locked=True, avatar=_png(), avatar_mime_type="image/png",
        fields=[("Team", "Billing"), ("Floor", "4")],
    )

    assert updated.display_name == "Alice" and updated.locked is True
    assert [f.name for f in updated.fields] == ["Team", "Floor"]
    assert "/system/accounts/" in updated.avatar
    assert requests.get(updated.avatar, timeout=10).headers["content-type"] in ("image/png", "image/jpeg")
    me = alice.account_verify_credentials()
    assert me.source.note == "internal bio" and me.source.privacy == "public"
    prefs = alice.preferences()
    assert prefs["posting:default:visibility"] == "public"


def test_follow_request_flow_and_notifications(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    bob.account_update_credentials(locked=True)
    bob_id = bob.me().id
    alice_id = alice.me().id

    relationship = alice.account_follow(bob_id)

    assert relationship.requested is True and relationship.following is False
    assert [a.id for a in bob.follow_requests()] == [alice_id]
    assert [n.type for n in bob.notifications()] == ["follow_request"]
    bob.follow_request_authorize(alice_id)
    (after,) = alice.account_relationships([bob_id])
    assert after.following is True
    assert [a.id for a in bob.account_followers(bob_id)] == [alice_id]
    with pytest.raises(MastodonNotFoundError):
        bob.follow_request_authorize(alice_id)

    post = bob.status_post("hello @alice")
    (note,) = alice.notifications(types=["mention"])
    assert note.status.id == post.id
    for index in range(4):
        bob.status_post(f"@alice again {index}")
    first = alice.notifications(limit=2)
    pages = [first, alice.fetch_next(first), alice.fetch_next(alice.fetch_next(first))]
    ids = [n.id for page in pages for n in page]
    assert len(ids) == len(set(ids)) == 5
    alice.markers_set(["notifications"], [note.id])
    assert alice.markers_get(["notifications"]).notifications.last_read_id == note.id


def test_block_mute_note_and_lookup(live_server: LiveServer, session: requests.Session) -> None:
    alice, bob = signed_in(live_server, session, "alice"), signed_in(live_server, session, "bob")
    bob_id = bob.me().id

    assert alice.account_lookup("bob").id == bob_id
    assert [a.acct for a in alice.account_search("bo")] == ["bob"]
    assert alice.account_note_set(bob_id, "lunch on friday").note == "lunch on friday"
    assert alice.account_mute(bob_id, notifications=False).muting_notifications is False
    assert [a.id for a in alice.mutes()] == [bob_id]
    alice.account_unmute(bob_id)
    blocked = alice.account_block(bob_id)
    assert blocked.blocking is True and [a.id for a in alice.blocks()] == [bob_id]
    with pytest.raises(MastodonAPIError):
        bob.account_follow(alice.me().id)
