"""Scheduled statuses through the Mastodon API, published by the worker exactly once.

Given staff with tokens; when they schedule posts; then the posts wait as
ScheduledStatus entities they can list, move and cancel, and a worker with
a clock past the date posts each one once, however many workers run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.edge.dates import format_datetime
from server.services.scheduled import ScheduledStatusWorker
from storage.clock import utcnow
from storage.media import ScheduledState
from tests.server.api.test_api_media import jpeg
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def quiet(tmp_path: Path) -> Starlette:
    """An app without background workers: the tests run them with their own clock."""
    return app_for(settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false"))


def worker(app: Starlette, at: datetime) -> ScheduledStatusWorker:
    state = app.state.insideout
    return ScheduledStatusWorker(state.storage, state.services.statuses, clock=lambda: at)


async def schedule(client: httpx.AsyncClient, headers: dict[str, str], when: datetime, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/statuses", headers=headers,
                             json={"status": "Later", "scheduled_at": iso(when), **body})


async def own_statuses(client: httpx.AsyncClient, headers: dict[str, str], account_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client.get(f"/api/v1/accounts/{account_id}/statuses", headers=headers)).json()
    return found


async def test_schedule_list_move_cancel(tmp_path: Path) -> None:
    app = quiet(tmp_path)
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        when = utcnow() + timedelta(hours=1)

        created = await schedule(client, alice, when, visibility="unlisted", spoiler_text="cw", language="en",
                                 poll={"options": ["a", "b"], "expires_in": 600})

        assert created.status_code == 200, created.text
        entity = created.json()
        assert entity["scheduled_at"] == format_datetime(when) and entity["media_attachments"] == []
        params = entity["params"]
        assert params["text"] == "Later" and params["visibility"] == "unlisted" and params["spoiler_text"] == "cw"
        assert params["poll"] == {"options": ["a", "b"], "expires_in": 600, "multiple": False, "hide_totals": False}
        assert {"media_ids", "in_reply_to_id", "sensitive", "language", "idempotency", "application_id",
                "with_rate_limit", "scheduled_at"} <= set(params)
        assert (await client.get("/api/v1/timelines/public", headers=alice)).json() == []

        later = [(await schedule(client, alice, when + timedelta(hours=i))).json()["id"] for i in (1, 2)]
        keyed = {**alice, "Idempotency-Key": "once"}
        twice = [(await schedule(client, keyed, when + timedelta(hours=5))).json()["id"] for _ in range(2)]
        assert twice[0] == twice[1]
        await client.delete(f"/api/v1/scheduled_statuses/{twice[0]}", headers=alice)
        listed = await client.get("/api/v1/scheduled_statuses", headers=alice, params={"limit": 2})
        assert [s["id"] for s in listed.json()] == [later[1], later[0]] and "max_id" in listed.headers["link"]
        assert (await client.get("/api/v1/scheduled_statuses", headers=bob)).json() == []
        assert (await client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=bob)).status_code == 404

        moved_to = when + timedelta(days=1)
        moved = await client.put(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice,
                                 data={"scheduled_at": iso(moved_to)})
        assert moved.status_code == 200 and moved.json()["scheduled_at"] == format_datetime(moved_to)
        too_soon = await client.put(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice,
                                    data={"scheduled_at": iso(utcnow() + timedelta(minutes=2))})
        assert too_soon.status_code == 422 and "must be in the future" in too_soon.json()["error"]
        assert (await client.delete(f"/api/v1/scheduled_statuses/{entity['id']}", headers=bob)).status_code == 404
        cancelled = await client.delete(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice)
        assert cancelled.status_code == 200 and cancelled.json() == {}
        assert (await client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice)).status_code == 404


async def test_dates_as_mastodon_reads_them(tmp_path: Path) -> None:
    app = quiet(tmp_path)
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))

        soon = await schedule(client, alice, utcnow() + timedelta(minutes=4))
        past = await schedule(client, alice, utcnow() - timedelta(minutes=1))
        garbage = await client.post("/api/v1/statuses", headers=alice, json={"status": "x", "scheduled_at": "soon"})
        too_long = await schedule(client, alice, utcnow() + timedelta(hours=1), status="x" * 501)

        assert soon.status_code == 422 and soon.json()["error"] == (
            "Validation failed: Scheduled at The scheduled date must be in the future")
        assert past.status_code == 200 and past.json()["content"] == "<p>Later</p>"  # posted at once, as Mastodon does
        assert garbage.status_code == 422
        assert too_long.status_code == 422
        assert (await client.get("/api/v1/scheduled_statuses", headers=alice)).json() == []


async def test_published_once_with_media_even_by_two_workers(tmp_path: Path) -> None:
    app = quiet(tmp_path)
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        alice_id = (await client.get("/api/v1/accounts/verify_credentials", headers=alice)).json()["id"]
        media = (await client.post("/api/v2/media", headers=alice,
                                   files={"file": ("a.jpg", jpeg(), "image/jpeg")})).json()
        when = utcnow() + timedelta(minutes=10)
        scheduled = (await schedule(client, alice, when, media_ids=[media["id"]])).json()
        assert [m["id"] for m in scheduled["media_attachments"]] == [media["id"]]
        taken = await client.post("/api/v1/statuses", headers=alice,
                                  data={"status": "steal", "media_ids[]": media["id"]})
        assert taken.status_code == 422  # reserved by the scheduled status
        in_use = await client.delete(f"/api/v1/media/{media['id']}", headers=alice)
        assert in_use.status_code == 422

        assert await worker(app, when - timedelta(seconds=1)).run_once() == 0
        handled = await asyncio.gather(worker(app, when).run_once(), worker(app, when).run_once())
        assert sorted(handled) == [0, 1]
        assert await worker(app, when + timedelta(hours=1)).run_once() == 0

        posted = await own_statuses(client, alice, alice_id)
        assert [s["content"] for s in posted] == ["<p>Later</p>"]
        assert [m["id"] for m in posted[0]["media_attachments"]] == [media["id"]]
        assert (await client.get("/api/v1/scheduled_statuses", headers=alice)).json() == []
        row = await app.state.insideout.storage.scheduled.get(int(scheduled["id"]))
        assert row.state is ScheduledState.PUBLISHED and str(row.status_id) == posted[0]["id"]


async def test_a_crashed_publication_is_not_repeated(tmp_path: Path) -> None:
    """A worker that posted but died before marking the row: the next one finds the post already made."""
    app = quiet(tmp_path)
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        alice_id = (await client.get("/api/v1/accounts/verify_credentials", headers=alice)).json()["id"]
        when = utcnow() + timedelta(minutes=10)
        scheduled_id = int((await schedule(client, alice, when, poll={"options": ["a", "b"], "expires_in": 600})
                            ).json()["id"])
        storage = app.state.insideout.storage
        first = worker(app, when)
        assert await first.run_once() == 1
        # Simulate the crash: the row is back to waiting with an expired lease.
        await storage.database.execute(
            "UPDATE scheduled_statuses SET state = 'scheduled', status_id = NULL, locked_until = NULL WHERE id = ?",
            (scheduled_id,))

        assert await worker(app, when + timedelta(minutes=1)).run_once() == 1

        posted = await own_statuses(client, alice, alice_id)
        assert len(posted) == 1 and posted[0]["poll"]["options"][0]["title"] == "a"
        assert (await storage.scheduled.get(scheduled_id)).status_id == int(posted[0]["id"])


async def test_a_refused_publication_fails_and_frees_its_media(tmp_path: Path) -> None:
    app = quiet(tmp_path)
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        parent = (await client.post("/api/v1/statuses", headers=alice, data={"status": "parent"})).json()
        media = (await client.post("/api/v2/media", headers=alice,
                                   files={"file": ("a.jpg", jpeg(), "image/jpeg")})).json()
        when = utcnow() + timedelta(minutes=10)
        scheduled = (await schedule(client, alice, when, in_reply_to_id=parent["id"], media_ids=[media["id"]])).json()
        assert scheduled["params"]["in_reply_to_id"] == parent["id"]
        await client.delete(f"/api/v1/statuses/{parent['id']}", headers=alice)

        assert await worker(app, when).run_once() == 1

        row = await app.state.insideout.storage.scheduled.get(int(scheduled["id"]))
        assert row.state is ScheduledState.FAILED and row.last_error
        reused = await client.post("/api/v1/statuses", headers=alice,
                                   data={"status": "now", "media_ids[]": media["id"]})
        assert reused.status_code == 200
