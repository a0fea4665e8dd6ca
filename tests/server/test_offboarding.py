"""A person leaving: every way in shut at once, by whichever door (CLI, admin API, admin page).

Given an employee with an access token, a browser session, a push
subscription and an open stream; when they are offboarded; then the token
gets 401, the session is gone, the push subscription is deleted, the stream
ends within a second even when the departure was recorded by another
process (the CLI beside a SQLite server), the audit log names who did it,
and, with ``[lifecycle] on_departure = "retract"``, their published posts
are withdrawn outside with the usual Delete. Reinstating restores sign-in
but no old token.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from activitypub.errors import Conflict
from server.cli import main
from server.mastodon.stream_session import StreamingOptions
from storage.models import NewStatus, Visibility
from tests.server.api.admin_world import A, admin_world
from tests.server.api.live import live
from tests.server.api.test_push_delivery import Browser
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio

PUSH = "/api/v1/push/subscription"
# Heartbeats and token rechecks far apart: only the departure itself may end the stream quickly.
SLOW_RECHECKS = StreamingOptions(heartbeat_seconds=30, recheck_seconds=30)


async def test_the_admin_api_shuts_every_door_and_audits_who(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam = await w.local("sam")
        services = w.state.services
        session = await services.web_sessions.start(sam.id)
        subscribed = await w.client.post(PUSH, headers=w.staff,
                                         json=Browser().subscription("https://push.example/wpush/v2/sam"))
        assert subscribed.status_code == 200, subscribed.text
        [subscription] = await w.storage.push.live_for_account(sam.id)

        action = await w.client.post(f"{A}/accounts/{sam.id}/action", headers=w.admin,
                                     data={"type": "disable", "text": "left the company"})
        assert action.status_code == 200, action.text

        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 401
        assert await services.web_sessions.current(session) is None
        assert await w.storage.push.for_token(subscription.access_token_id) is None  # deleted, not only dormant
        [entry] = await w.storage.admin.actions(target_type="account", action="account.disable")
        ada = await w.local("ada")
        assert entry.actor == f"user:{ada.id}" and entry.reason == "left the company"
        assert entry.detail["revoked"] == "3"  # the token, the session and the push subscription

        await services.offboarding.reinstate(sam.id, actor="test")
        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 401
        user = await w.storage.accounts.get_user(sam.id)
        assert user is not None and not user.disabled


async def test_the_last_admin_cannot_leave(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        ada = await w.local("ada")
        with pytest.raises(Conflict, match="last admin"):
            await w.state.services.offboarding.depart(ada.id, actor="test")
        user = await w.storage.accounts.get_user(ada.id)
        assert user is not None and not user.disabled


@pytest.mark.parametrize("on_departure", ["keep", "retract"])
async def test_published_posts_stay_or_are_retracted_as_configured(tmp_path: Path, on_departure: str) -> None:
    async with admin_world(tmp_path, INSIDEOUT_LIFECYCLE_ON_DEPARTURE=on_departure) as w:
        pia = await w.local("pia")
        post = await w.storage.statuses.create(NewStatus(account_id=pia.id, visibility=Visibility.PUBLIC,
                                                         text="launch", content="<p>launch</p>"))
        internal = await w.storage.statuses.create(NewStatus(account_id=pia.id, visibility=Visibility.PUBLIC,
                                                             text="inside", content="<p>inside</p>"))
        await w.state.services.publication.publish(post.id, by="cli:test", announcers=[], reason=None)

        departure = await w.state.services.offboarding.depart(pia.id, actor="cli:test")

        after = await w.storage.statuses.get(post.id)
        assert after is not None
        if on_departure == "keep":
            assert departure.retracted == 0 and after.publication_state.value == "published"
        else:
            assert departure.retracted == 1 and after.publication_state.value == "retracted"
            history = await w.storage.publication.history(post.id)
            assert (history[0].to_state, history[0].actor) == ("retracted", "cli:test")
        # Internal posts stay readable to staff either way.
        still = await w.client.get(f"/api/v1/statuses/{internal.id}", headers=w.staff)
        assert still.status_code == 200


async def stream_lifetime_after(app_token: str, base: str, depart: object) -> float:
    """Seconds from the departure's end (its commit is done by then) to the stream's end."""
    url = base.replace("http://", "ws://") + "/api/v1/streaming?stream=user"
    async with connect(url, additional_headers=bearer(app_token)) as ws:
        await asyncio.sleep(0.1)
        await depart()  # type: ignore[operator]
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        return time.monotonic() - started


async def test_a_departure_in_this_process_ends_the_stream_at_once(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    app.state.streaming_options = SLOW_RECHECKS
    async with live(app) as base:
        token = await staff_token(app, "leaver")
        services = app.state.insideout.services
        leaver = (await services.accounts.employee("leaver")).account.id

        async def depart() -> None:
            await services.offboarding.depart(leaver, actor="test")

        assert await stream_lifetime_after(token, base, depart) < 1.0


async def test_a_departure_by_the_cli_beside_the_server_ends_its_stream_within_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    app = app_for(settings)
    app.state.streaming_options = SLOW_RECHECKS
    for name, value in (("INSIDEOUT_STORAGE_DATA_DIR", str(settings.data_dir)),
                        ("INSIDEOUT_STORAGE_DATABASE", settings.storage.database)):
        monkeypatch.setenv(name, value)
    async with live(app) as base:
        token = await staff_token(app, "leaver")
        staying = await staff_token(app, "stayer")

        async def depart() -> None:
            # The CLI's own storage and event bus: on SQLite its event reaches no server.
            code = await asyncio.to_thread(main, ["account", "disable", "leaver", "--reason", "left"])
            assert code == 0

        assert await stream_lifetime_after(token, base, depart) < 1.0
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/api/v1/accounts/verify_credentials", headers=bearer(staying))).status_code == 200
        [entry] = await app.state.insideout.storage.admin.actions(action="account.disable")
        assert entry.actor.startswith("cli:") and entry.reason == "left"
