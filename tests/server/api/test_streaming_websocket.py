"""Streaming over WebSocket: Mastodon's multiplexed protocol, against a real server on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.events import Event
from server.mastodon.stream_session import StreamingOptions
from storage.curation import RepliesPolicy
from tests.server.api.live import live, payload_of
from tests.server.api.stream_helpers import account_id, token_for
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


def ws_url(base: str, query: str = "") -> str:
    return base.replace("http://", "ws://") + "/api/v1/streaming" + (f"?{query}" if query else "")


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    assert isinstance(message, dict)
    return message


async def subscribe(ws: ClientConnection, **message: Any) -> None:
    """Subscribe, and wait until the server has handled it: messages are handled in order, so the
    error answering a bad subscription that follows proves the first one is in place."""
    await ws.send(json.dumps({"type": "subscribe", **message}))
    await ws.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
    assert (await receive(ws))["error"] == "Unknown stream type"


async def post(client: httpx.AsyncClient, token: str, text: str) -> str:
    response = await client.post("/api/v1/statuses", headers=bearer(token), data={"status": text})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_token_as_subprotocol_is_echoed_and_messages_are_mastodons(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        # Given a browser-style connection: the token travels as the subprotocol
        async with connect(ws_url(base), subprotocols=[alice]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == alice
            # When alice subscribes to a hashtag (in any case) and bob uses it
            await subscribe(ws, stream="hashtag", tag="Launch")
            status_id = await post(client, bob, "We #LAUNCH today")
            # Then the message names the stream as asked, and the payload is a JSON *string*
            message = await receive(ws)
            assert list(message) == ["stream", "event", "payload"]
            assert message["stream"] == ["hashtag", "Launch"] and message["event"] == "update"
            assert isinstance(message["payload"], str) and payload_of(message["payload"])["id"] == status_id


async def test_subscribe_unsubscribe_and_errors(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        async with connect(ws_url(base, "stream=public:local"), additional_headers=bearer(alice)) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
            assert await receive(ws) == {"error": "Unknown stream type", "status": 400}
            await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag"}))
            assert await receive(ws) == {"error": "Missing tag name parameter", "status": 400}
            await ws.send("not json")  # ignored, as Mastodon does
            await ws.send(json.dumps({"type": "unsubscribe", "stream": "nonsense"}))
            assert await receive(ws) == {"error": "Error unsubscribing from channel"}
            # The stream named in the URL is subscribed from the start
            first = await post(client, bob, "one")
            message = await receive(ws)
            assert message["stream"] == ["public:local"] and payload_of(message["payload"])["id"] == first
            # After unsubscribing, nothing more arrives from it
            await ws.send(json.dumps({"type": "unsubscribe", "stream": "public:local"}))
            await subscribe(ws, stream=["user"])
            second = await post(client, bob, "two @alice")
            received = {m["event"]: m for m in [await receive(ws), await receive(ws)]}
            assert {tuple(m["stream"]) for m in received.values()} == {("user",)}
            assert payload_of(received["update"]["payload"])["id"] == second
            assert payload_of(received["notification"]["payload"])["type"] == "mention"


async def test_hostile_json_messages_are_ignored_and_the_socket_keeps_serving(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base:
        alice = await staff_token(app, "alice")
        async with connect(ws_url(base), additional_headers=bearer(alice)) as ws:
            # Given messages that json.loads alone turns into a RecursionError, or takes though they are not JSON
            hostile = ["[" * 3000 + "]" * 3000, '{"type": "subscribe", "stream": NaN}', '{"stream": "\\u0000"}']
            for text in hostile:
                await ws.send(text)
            # When a well-formed message follows, then it is answered: the socket survived them
            await ws.send(json.dumps({"type": "subscribe", "stream": "nonsense"}))
            assert await receive(ws) == {"error": "Unknown stream type", "status": 400}


async def test_handshake_refusals_carry_mastodons_status(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base:
        app_only = await token_for(app, None, "read")
        for kwargs in ({}, {"subprotocols": ["wrong"]}, {"additional_headers": bearer(app_only)}):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(ws_url(base), **kwargs):
                    pass
            assert refused.value.response.status_code == 401
            assert refused.value.response.headers["X-Error-Message"] in ("Missing access token", "Invalid access token")


async def test_scope_errors_arrive_as_messages(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base:
        await staff_token(app, "alice")
        statuses_only = await token_for(app, await account_id(app, "alice"), "read:statuses")
        async with connect(ws_url(base, f"access_token={statuses_only}")) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
            assert await receive(ws) == {"error": "Access token does not have the required scopes", "status": 401}


async def test_list_stream_and_filters_changed_without_payload(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        alice_id = await account_id(app, "alice")
        own = await app.state.insideout.storage.lists.create(alice_id, "team", RepliesPolicy.LIST, False)
        async with connect(ws_url(base), additional_headers=bearer(alice)) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": "list", "list": str(own.id)}))
            await subscribe(ws, stream="user")
            status_id = await post(client, bob, "for the list")
            await app.state.insideout.events.publish([Event(f"list:{own.id}", "update", int(status_id)),
                                                      Event(f"user:{alice_id}", "filters_changed")])
            message = await receive(ws)
            assert message["stream"] == ["list", str(own.id)] and payload_of(message["payload"])["id"] == status_id
            assert await receive(ws) == {"stream": ["user"], "event": "filters_changed"}


async def test_binary_messages_close_the_socket_and_revocation_ends_it(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base:
        alice = await staff_token(app, "alice")
        async with connect(ws_url(base), additional_headers=bearer(alice)) as ws:
            await ws.send(b"\x00")
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003
        bob = await staff_token(app, "bob")
        async with connect(ws_url(base, "stream=public"), additional_headers=bearer(bob)) as ws:
            services = app.state.insideout.services
            await services.offboarding.depart((await services.accounts.employee("bob")).account.id, actor="test")
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)


async def test_direct_subscription_receives_the_conversation_of_a_direct_post(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        bob_id = await account_id(app, "bob")
        async with connect(ws_url(base), additional_headers=bearer(alice)) as ws:
            # Given alice subscribed to her direct stream and to her home stream on one socket
            await subscribe(ws, stream="direct")
            # When bob writes to her directly
            response = await client.post("/api/v1/statuses", headers=bearer(bob),
                                         data={"status": "@alice a word in private", "visibility": "direct"})
            assert response.status_code == 200, response.text
            status_id = str(response.json()["id"])
            # Then the socket sends a conversation event on the direct stream, with the Conversation entity
            message = await receive(ws)
            assert message["stream"] == ["direct"]
            assert message["event"] == "conversation"
            conversation = payload_of(message["payload"])
            assert conversation["id"] == status_id
            assert conversation["unread"] is True
            assert [a["id"] for a in conversation["accounts"]] == [str(bob_id)]  # type: ignore[index, union-attr]
            last = conversation["last_status"]
            assert isinstance(last, dict)
            assert last["id"] == status_id
            # And a reply in the thread is the same conversation, with the reply as its last status
            reply = await client.post("/api/v1/statuses", headers=bearer(alice), data={
                "status": "@bob noted", "visibility": "direct", "in_reply_to_id": status_id})
            assert reply.status_code == 200, reply.text
            message = await receive(ws)
            answered = payload_of(message["payload"])
            assert answered["id"] == status_id
            assert answered["unread"] is False  # her own post
            assert answered["last_status"]["id"] == str(reply.json()["id"])  # type: ignore[index]


async def test_the_boost_on_a_socket_carries_the_boosters_flags(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        status_id = await post(client, alice, "Worth sharing")
        assert (await client.post(f"/api/v1/statuses/{status_id}/bookmark", headers=bearer(bob))).status_code == 200
        async with connect(ws_url(base, "stream=user"), additional_headers=bearer(bob)) as ws:
            await subscribe(ws, stream="public:local")
            boosted = await client.post(f"/api/v1/statuses/{status_id}/reblog", headers=bearer(bob))
            assert boosted.status_code == 200
            message = await receive(ws)
            assert message["stream"] == ["user"]
            wrapper = payload_of(message["payload"])
            assert wrapper["reblog"]["id"] == status_id  # type: ignore[index]
            assert wrapper["reblogged"] is True
            assert wrapper["bookmarked"] is True
            assert wrapper["favourited"] is False
