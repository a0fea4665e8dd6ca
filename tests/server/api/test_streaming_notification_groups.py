"""Streamed notifications carry the group key of Mastodon 4.3's grouped notifications, over SSE and WebSocket.

Given alice's post favourited by bob while alice listens to her notifications;
when carol favourites it too; then the streamed notification names the group
that ``GET /api/v2/notifications`` shows with both of them, so a client
folds the new favourite into "carol and 1 other liked your post".
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from server.mastodon.stream_session import StreamingOptions
from tests.server.api.live import SseReader, live, payload_of
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


async def _favourited_by_bob(client: httpx.AsyncClient, alice: str, bob: str) -> str:
    post = await client.post("/api/v1/statuses", headers=bearer(alice), data={"status": "Lunch at noon"})
    status_id = str(post.json()["id"])
    assert (await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bearer(bob))).status_code == 200
    return status_id


async def _favourite_group(client: httpx.AsyncClient, alice: str) -> dict[str, Any]:
    groups = (await client.get("/api/v2/notifications", headers=bearer(alice))).json()["notification_groups"]
    (group,) = [g for g in groups if g["type"] == "favourite"]
    assert isinstance(group, dict)
    return group


async def test_sse_notification_names_its_group(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob, carol = [await staff_token(app, name) for name in ("alice", "bob", "carol")]
        status_id = await _favourited_by_bob(client, alice, bob)
        async with client.stream("GET", "/api/v1/streaming/user/notification", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bearer(carol))
            event, data = await reader.next_event()

        streamed = payload_of(data)
        group = await _favourite_group(client, alice)
        assert event == "notification"
        assert streamed["group_key"] == group["group_key"]
        assert group["group_key"].startswith(f"favourite-{status_id}-")
        assert group["notifications_count"] == 2
        assert group["most_recent_notification_id"] == streamed["id"]


async def test_websocket_notification_names_its_group(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob, carol = [await staff_token(app, name) for name in ("alice", "bob", "carol")]
        status_id = await _favourited_by_bob(client, alice, bob)
        url = base.replace("http://", "ws://") + "/api/v1/streaming"
        async with connect(url, additional_headers=bearer(alice)) as ws:
            await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
            await ws.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["error"] == "Unknown stream type"
            await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bearer(carol))
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))

        streamed = payload_of(message["payload"])
        group = await _favourite_group(client, alice)
        assert message["event"] == "notification"
        assert streamed["group_key"] == group["group_key"]
        assert group["notifications_count"] == 2
