"""One status event, many viewers: rendered once for all who see it alike, on its own for the rest.

The counts come from the app's own ``RenderCache`` (``started``), which
counts every render it actually runs; the viewers are real WebSocket
clients of a real server on loopback.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from server.events import Event
from server.mastodon.stream_render import INDIVIDUAL, SHARED, RenderCache, render_cache
from server.mastodon.stream_session import StreamingOptions
from tests.server.api.live import live, payload_of
from tests.server.api.stream_helpers import account_id
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


def ws_url(base: str, stream: str) -> str:
    return base.replace("http://", "ws://") + f"/api/v1/streaming?stream={stream}"


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        assert isinstance(message, dict)
        if message.get("event") != "notification":  # follows and boosts notify; these tests watch statuses
            return message


async def open_streams(stack: AsyncExitStack, base: str, tokens: list[str], stream: str) -> list[ClientConnection]:
    """Connected and subscribed: the error answering a later bad subscription proves the first is in place."""
    sockets = []
    for token in tokens:
        ws = await stack.enter_async_context(connect(ws_url(base, stream), additional_headers=bearer(token)))
        await ws.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["error"] == "Unknown stream type"
        sockets.append(ws)
    return sockets


async def post(client: httpx.AsyncClient, token: str, text: str, **fields: str) -> str:
    response = await client.post("/api/v1/statuses", headers=bearer(token), data={"status": text, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def runs_since(cache: RenderCache, before: Counter[str]) -> dict[str, int]:
    return {kind: cache.started[kind] - before[kind] for kind in (SHARED, INDIVIDUAL)}


async def test_one_post_to_many_viewers_is_rendered_once(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client, AsyncExitStack() as stack:
        author = await staff_token(app, "author")
        viewers = [await staff_token(app, f"viewer{n}") for n in range(6)]
        sockets = await open_streams(stack, base, viewers, "public")
        cache = render_cache(app.state)
        before = cache.started.copy()
        # When one post reaches six viewers (on public and public:local, which share the render)
        status_id = await post(client, author, "for everyone")
        payloads = [payload_of((await receive(ws))["payload"]) for ws in sockets]
        # Then every viewer has it, with a viewer's (default) flags, from a single render
        assert [p["id"] for p in payloads] == [status_id] * len(viewers)
        assert all(p["favourited"] is False and p["bookmarked"] is False and "pinned" not in p for p in payloads)
        assert len({json.dumps(p, sort_keys=True) for p in payloads}) == 1
        assert runs_since(cache, before) == {SHARED: 1, INDIVIDUAL: 0}


async def test_viewers_who_may_not_see_a_post_or_hide_it_never_get_it(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client, AsyncExitStack() as stack:
        author, other = await staff_token(app, "author"), await staff_token(app, "other")
        blocked, blocking, filtering, plain = [await staff_token(app, n) for n in ("blocked", "blocking", "filtering",
                                                                                   "plain")]
        author_id = await account_id(app, "author")
        # Given: the author blocks one viewer, another blocks the author, a third hides a keyword on public
        await client.post(f"/api/v1/accounts/{await account_id(app, 'blocked')}/block", headers=bearer(author))
        await client.post(f"/api/v1/accounts/{author_id}/block", headers=bearer(blocking))
        created = await client.post("/api/v2/filters", headers=bearer(filtering), json={
            "title": "no launches", "context": ["public"], "filter_action": "hide",
            "keywords_attributes": [{"keyword": "launch"}]})
        assert created.status_code == 200, created.text
        sockets = await open_streams(stack, base, [blocked, blocking, filtering, plain], "public")
        cache = render_cache(app.state)
        before = cache.started.copy()
        # When the author posts, and then someone else does
        hidden = await post(client, author, "launch day")
        later = await post(client, other, "lunch day")
        # Then the plain viewer gets both, from the one shared render of each
        plain_ws = sockets[-1]
        assert [payload_of((await receive(plain_ws))["payload"])["id"] for _ in range(2)] == [hidden, later]
        # and the others' first message is the later post: the author's never reached them
        for ws in sockets[:-1]:
            assert payload_of((await receive(ws))["payload"])["id"] == later
        # The three were rendered on their own for the first post (the filter's owner for the second too)
        assert runs_since(cache, before) == {SHARED: 2, INDIVIDUAL: 4}


async def test_a_private_post_misrouted_to_a_public_stream_reaches_only_who_may_see_it(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client, AsyncExitStack() as stack:
        author, follower, stranger = [await staff_token(app, n) for n in ("author", "follower", "stranger")]
        await client.post(f"/api/v1/accounts/{await account_id(app, 'author')}/follow", headers=bearer(follower))
        sockets = await open_streams(stack, base, [follower, stranger], "public")
        cache = render_cache(app.state)
        before = cache.started.copy()
        # When a followers-only post is announced on ``public`` (which distribution never does)
        private = await post(client, author, "followers only", visibility="private")
        await app.state.insideout.events.publish([Event("public", "update", int(private))])
        public = await post(client, author, "everyone")
        # Then the renderer still asks the visibility rule for each viewer: only the follower gets it
        assert [payload_of((await receive(sockets[0]))["payload"])["id"] for _ in range(2)] == [private, public]
        assert payload_of((await receive(sockets[1]))["payload"])["id"] == public
        assert runs_since(cache, before) == {SHARED: 1, INDIVIDUAL: 2}


async def test_a_boost_carries_each_viewers_own_flags(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client, AsyncExitStack() as stack:
        author, booster, fan, reader = [await staff_token(app, n) for n in ("author", "booster", "fan", "reader")]
        booster_id = await account_id(app, "booster")
        original = await post(client, author, "worth sharing")
        assert (await client.post(f"/api/v1/statuses/{original}/favourite", headers=bearer(fan))).status_code == 200
        for token in (fan, reader):
            await client.post(f"/api/v1/accounts/{booster_id}/follow", headers=bearer(token))
        sockets = await open_streams(stack, base, [fan, reader], "user")
        # When the booster boosts the post both follow it on their home streams
        boosted = await client.post(f"/api/v1/statuses/{original}/reblog", headers=bearer(booster))
        assert boosted.status_code == 200
        fan_sees, reader_sees = [payload_of((await receive(ws))["payload"]) for ws in sockets]
        # Then the fan's copy says they favourited the original; the reader's does not
        assert fan_sees["reblog"]["id"] == reader_sees["reblog"]["id"] == original
        assert fan_sees["reblog"]["favourited"] is True and reader_sees["reblog"]["favourited"] is False


async def test_each_edit_is_rendered_once_and_never_stale(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client, AsyncExitStack() as stack:
        author = await staff_token(app, "author")
        viewers = [await staff_token(app, f"viewer{n}") for n in range(4)]
        status_id = await post(client, author, "first draft")
        sockets = await open_streams(stack, base, viewers, "public")
        cache = render_cache(app.state)
        before = cache.started.copy()
        # When the author edits the post twice in quick succession
        for text in ("second draft", "final text"):
            edited = await client.put(f"/api/v1/statuses/{status_id}", headers=bearer(author), data={"status": text})
            assert edited.status_code == 200, edited.text
        # Then every viewer gets both edits, each with its own text, each rendered once for all of them
        for ws in sockets:
            messages = [await receive(ws) for _ in range(2)]
            assert [m["event"] for m in messages] == ["status.update", "status.update"]
            assert ["draft" in payload_of(m["payload"])["content"] for m in messages] == [True, False]
            assert "final text" in payload_of(messages[1]["payload"])["content"]
        assert runs_since(cache, before) == {SHARED: 2, INDIVIDUAL: 0}
