"""The web app's live updates: its pages stream with their browser session, same-origin and read-only.

Given a signed-in employee's browser session and a live server; when the
page opens ``/api/v1/streaming/user`` with its cookie; then a colleague's
new post and a notification arrive, other sites cannot open the stream
with it, and signing out ends it.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from server.mastodon.stream_session import StreamingOptions
from server.signin.sessions import CSRF_FIELD, session_cookie_name
from tests.server.admin.pages import PASSWORD, form_token
from tests.server.api.live import SseReader, live, payload_of
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio
FAST = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)


async def signed_in(client: httpx.AsyncClient, login: str) -> None:
    token = form_token((await client.get("/auth/sign_in")).text)
    answer = await client.post("/auth/sign_in", data={"login": login, "password": PASSWORD, CSRF_FIELD: token})
    assert answer.status_code == 303, answer.text


async def test_a_page_streams_new_posts_and_notifications_with_its_session(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as browser, \
            httpx.AsyncClient(base_url=base) as api:
        alice = await staff_token(app, "alice")
        await staff_token(app, "bob")
        await signed_in(browser, "bob")
        home = await browser.get("/home")
        assert re.search(r'<body data-stream="user"[ >]', home.text)
        async with browser.stream("GET", "/api/v1/streaming/user",
                                  headers={"Sec-Fetch-Site": "same-origin"}) as response:
            assert response.status_code == 200
            reader = SseReader(response)
            await reader.opened()
            # A mention reaches bob's home timeline and his notifications alike.
            posted = await api.post("/api/v1/statuses", headers=bearer(alice), data={"status": "@bob hello"})
            assert posted.status_code == 200
            events = {}
            while len(events) < 2:
                event, data = await reader.next_event()
                events[event] = payload_of(data)
            assert events["notification"]["type"] == "mention"
            assert events["update"]["id"] == posted.json()["id"]


async def test_other_sites_and_the_signed_out_cannot_open_it(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with live(app) as base, httpx.AsyncClient(base_url=base) as browser:
        await staff_token(app, "bob")
        anonymous = await browser.get("/api/v1/streaming/user")
        assert anonymous.status_code == 401
        await signed_in(browser, "bob")
        cross_site = await browser.get("/api/v1/streaming/user", headers={"Sec-Fetch-Site": "cross-site"})
        assert cross_site.status_code == 401
        browser.cookies.set(session_cookie_name(app.state.insideout.settings), "forged")
        forged = await browser.get("/api/v1/streaming/user")
        assert forged.status_code == 401


async def test_signing_out_ends_the_pages_stream(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = FAST
    async with live(app) as base, httpx.AsyncClient(base_url=base) as browser, \
            httpx.AsyncClient(base_url=base) as other_tab:
        await staff_token(app, "bob")
        await signed_in(browser, "bob")
        other_tab.cookies.update(browser.cookies)
        async with other_tab.stream("GET", "/api/v1/streaming/user") as response:
            reader = SseReader(response)
            await reader.opened()
            token = form_token((await browser.get("/compose")).text)
            assert (await browser.post("/auth/sign_out", data={CSRF_FIELD: token})).status_code == 303
            with pytest.raises(EOFError):
                while True:
                    await reader.next_frame()
