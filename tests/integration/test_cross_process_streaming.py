"""Streaming across server processes: a client on server A hears what was done through server B.

Two apps on one PostgreSQL database share nothing but the database: each
has its own connection pool, event bus and listener, as two processes do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from server.mastodon.stream_session import StreamingOptions
from tests.backends import only_on_postgresql
from tests.server.api.live import SseReader, live, payload_of
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = [pytest.mark.anyio, only_on_postgresql("SQLite serves from one process; its bus is in-process")]

FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


async def test_a_post_through_one_server_reaches_a_stream_on_another(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    server_a, server_b = app_for(settings), app_for(settings)
    server_a.state.streaming_options = FAST
    async with live(server_a) as base_a, live(server_b) as base_b, \
            httpx.AsyncClient(base_url=base_a) as client_a, httpx.AsyncClient(base_url=base_b) as client_b:
        alice, bob = await staff_token(server_a, "alice"), await staff_token(server_b, "bob")
        await client_a.post(f"/api/v1/accounts/{await _id(client_a, alice, 'bob')}/follow", headers=bearer(alice))
        # Heartbeats keep the stream busy, so a missing event would otherwise wait forever.
        async with asyncio.timeout(30), client_a.stream("GET", "/api/v1/streaming/user", headers=bearer(alice)) as response:
            reader = SseReader(response)
            await reader.opened()
            # When bob posts through server B
            posted = await client_b.post("/api/v1/statuses", headers=bearer(bob), data={"status": "Across processes"})
            assert posted.status_code == 200, posted.text
            # Then alice's stream on server A gets it, rendered for her
            event, data = await reader.next_event()
            assert event == "update"
            entity = payload_of(data)
            assert entity["id"] == posted.json()["id"] and entity["favourited"] is False
            # And a notification caused through B (bob favourites alice's post made through A) arrives too
            mine = await client_a.post("/api/v1/statuses", headers=bearer(alice), data={"status": "Mine"})
            assert (await reader.next_event())[0] == "update"
            await client_b.post(f"/api/v1/statuses/{mine.json()['id']}/favourite", headers=bearer(bob))
            event, data = await reader.next_event()
            assert event == "notification"
            assert payload_of(data)["type"] == "favourite"


async def _id(client: httpx.AsyncClient, token: str, username: str) -> str:
    found = await client.get("/api/v1/accounts/lookup", params={"acct": username}, headers=bearer(token))
    assert found.status_code == 200, found.text
    return str(found.json()["id"])
