"""Streaming over server-sent events, against a real server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from server.events import Event
from server.mastodon.auth import digest_token
from server.mastodon.stream_session import StreamingOptions
from storage.models import Page
from tests.server.api.live import SseReader, live, payload_of
from tests.server.api.stream_helpers import account_id, token_for
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


async def post(client: httpx.AsyncClient, token: str, text: str, **fields: str) -> dict[str, object]:
    response = await client.post("/api/v1/statuses", headers=bearer(token), data={"status": text, **fields})
    assert response.status_code == 200, response.text
    return payload_of(response.text)


async def test_public_stream_sends_new_posts_with_mastodons_framing(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        async with client.stream("GET", "/api/v1/streaming/public", headers=bearer(alice)) as response:
            # Given an open public stream
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-accel-buffering"] == "no"
            reader = SseReader(response)
            await reader.opened()
            # When nothing happens, a heartbeat comment keeps it open
            assert await reader.next_frame() == ("comment", "thump")
            # When bob posts, the stream sends the status entity as alice sees it
            status = await post(client, bob, "Hello #Stream")
            event, data = await reader.next_event()
            assert event == "update"
            entity = payload_of(data)
            assert entity["id"] == status["id"] and entity["content"] == status["content"]
            assert entity["favourited"] is False  # rendered for the viewer, not anonymously
            # When he deletes it, the stream sends the id alone
            assert (await client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(bob))).status_code == 200
            assert await reader.next_event() == ("delete", str(status["id"]))


async def test_what_the_viewer_may_not_see_never_reaches_the_stream(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice = await staff_token(app, "alice")
        bob, carol, dave = [await staff_token(app, name) for name in ("bob", "carol", "dave")]
        storage = app.state.insideout.storage
        alice_id = await account_id(app, "alice")
        await storage.relationships.block(alice_id, await account_id(app, "carol"))
        await storage.relationships.mute(alice_id, await account_id(app, "dave"))
        async with client.stream("GET", "/api/v1/streaming/hashtag", params={"tag": "News"},
                                 headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            # Given posts alice may not see: a private post of someone she does not follow
            # (pushed onto the bus by hand, as a faulty publisher might), a blocked and a muted author
            hidden = await post(client, bob, "secret #news", visibility="private")
            await app.state.insideout.events.publish([Event("hashtag:news", "update", int(str(hidden["id"])))])
            await post(client, carol, "blocked #news")
            await post(client, dave, "muted #news")
            # When a post she may see follows
            seen = await post(client, bob, "open #NEWS")
            # Then it is the first thing the stream sends
            event, data = await reader.next_event()
            assert event == "update" and payload_of(data)["id"] == seen["id"]


async def test_user_stream_carries_home_notifications_and_filter_changes(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        async with client.stream("GET", "/api/v1/streaming/user", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            status = await post(client, bob, "hi @alice")
            received = dict([await reader.next_event(), await reader.next_event()])
            assert payload_of(received["update"])["id"] == status["id"]
            notification = payload_of(received["notification"])
            assert notification["type"] == "mention"
            assert isinstance(notification["status"], dict) and notification["status"]["id"] == status["id"]
            await app.state.insideout.events.publish([Event(f"user:{await account_id(app, 'alice')}",
                                                            "filters_changed")])
            assert await reader.next_event() == ("filters_changed", "undefined")


async def test_user_stream_without_a_notifications_scope_leaves_notifications_out(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        await staff_token(app, "alice")
        bob = await staff_token(app, "bob")
        statuses_only = await token_for(app, await account_id(app, "alice"), "read:statuses")
        async with client.stream("GET", "/api/v1/streaming/user", params={"access_token": statuses_only}) as response:
            reader = SseReader(response)
            await reader.opened()
            first = await post(client, bob, "hi @alice")
            second = await post(client, bob, "again @alice")
            events = [await reader.next_event(), await reader.next_event()]
            assert [e for e, _ in events] == ["update", "update"]
            assert [payload_of(d)["id"] for _, d in events] == [first["id"], second["id"]]


async def test_notification_stream_is_the_owners_alone(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await staff_token(app, "carol")
        async with client.stream("GET", "/api/v1/streaming/user/notification", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            # A notification of carol's, pushed onto alice's stream, is not rendered for alice
            mention = await post(client, bob, "hi @carol")
            carols = (await app.state.insideout.storage.notifications.list(
                await account_id(app, "carol"), Page(limit=20)))[0]
            await app.state.insideout.events.publish(
                [Event(f"user:notification:{await account_id(app, 'alice')}", "notification", carols.id)])
            await post(client, bob, "hi @alice")
            event, data = await reader.next_event()
            notification = payload_of(data)
            assert event == "notification" and isinstance(notification["status"], dict)
            assert notification["status"]["id"] != mention["id"]


@pytest.mark.parametrize("ending", ["revoke", "disable"])
async def test_a_revoked_token_or_disabled_user_ends_the_stream(tmp_path: Path, ending: str) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice = await staff_token(app, "alice")
        async with client.stream("GET", "/api/v1/streaming/public", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            if ending == "revoke":
                await app.state.insideout.storage.tokens.revoke_access_token(digest_token(alice))
            else:
                await app.state.insideout.storage.accounts.set_disabled(await account_id(app, "alice"), True)
            with pytest.raises(EOFError):
                while True:
                    await reader.next_frame()


def test_sse_frames_are_single_lines() -> None:
    from server.mastodon.stream_session import Outgoing
    from server.mastodon.streaming import sse_frame

    frame = sse_frame(Outgoing(("public",), "update", json.dumps({"content": "a\nb"})))
    assert frame.count("\n") == 3 and frame.endswith("\n\n")


async def test_the_viewers_hide_filters_apply_to_public_streams(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        created = await client.post("/api/v2/filters", headers=bearer(alice), json={
            "title": "no spoilers", "context": ["public"], "filter_action": "hide",
            "keywords_attributes": [{"keyword": "spoiler", "whole_word": True}]})
        assert created.status_code == 200, created.text
        async with client.stream("GET", "/api/v1/streaming/public", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            await post(client, bob, "big spoiler ahead")
            shown = await post(client, bob, "nothing to hide")
            event, data = await reader.next_event()
            assert event == "update" and payload_of(data)["id"] == shown["id"]


async def test_a_direct_post_is_a_conversation_event_on_each_participants_direct_stream(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        carol = await staff_token(app, "carol")
        alice_id, bob_id = await account_id(app, "alice"), await account_id(app, "bob")
        async with client.stream("GET", "/api/v1/streaming/direct", headers=bearer(alice)) as to_alice, \
                client.stream("GET", "/api/v1/streaming/direct", headers=bearer(bob)) as to_bob, \
                client.stream("GET", "/api/v1/streaming/direct", headers=bearer(carol)) as to_carol:
            readers = [SseReader(to_alice), SseReader(to_bob), SseReader(to_carol)]
            for reader in readers:
                await reader.opened()
            alice_reads, bob_reads, carol_reads = readers
            # Given a public post first: nothing of it reaches a direct stream
            await post(client, bob, "Hello @alice")
            # When bob writes to alice directly
            status = await post(client, bob, "Just between us @alice", visibility="direct")
            # Then alice's direct stream sends the conversation as she sees it: unread, with bob
            event, data = await alice_reads.next_event()
            assert event == "conversation"
            seen = payload_of(data)
            assert list(seen) == ["id", "unread", "accounts", "last_status"]
            assert seen["id"] == status["id"]  # a new thread: the conversation is the thread
            assert seen["unread"] is True
            assert [a["id"] for a in seen["accounts"]] == [str(bob_id)]  # type: ignore[index, union-attr]
            last = seen["last_status"]
            assert isinstance(last, dict)
            assert last["id"] == status["id"]
            assert last["visibility"] == "direct"
            assert last["favourited"] is False  # rendered for alice
            # And bob's own direct stream hears of it too, read, with alice
            event, data = await bob_reads.next_event()
            assert event == "conversation"
            sent = payload_of(data)
            assert sent["unread"] is False
            assert [a["id"] for a in sent["accounts"]] == [str(alice_id)]  # type: ignore[index, union-attr]
            # And carol, who takes no part, hears nothing but heartbeats
            assert await carol_reads.next_frame() == ("comment", "thump")
            # The conversation is the one the REST API lists
            listed = (await client.get("/api/v1/conversations", headers=bearer(alice))).json()
            assert listed == [seen]


async def test_the_boosters_stream_shows_the_boost_with_their_flags(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        status = await post(client, alice, "Worth sharing")
        assert (await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bearer(bob))).status_code == 200
        async with client.stream("GET", "/api/v1/streaming/user", headers=bearer(bob)) as response:
            reader = SseReader(response)
            await reader.opened()
            # When bob boosts the post he favourited
            boosted = await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bearer(bob))
            assert boosted.status_code == 200
            # Then his stream's wrapper carries his flags of the boosted post, as the inner status does
            event, data = await reader.next_event()
            assert event == "update"
            wrapper = payload_of(data)
            assert wrapper["id"] == boosted.json()["id"]
            assert wrapper["reblogged"] is True
            assert wrapper["favourited"] is True
            assert wrapper["bookmarked"] is False
            assert "pinned" not in wrapper  # Mastodon's pinnable? is false for a boost
