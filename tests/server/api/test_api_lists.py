"""Lists through the Mastodon API: CRUD, members who must be followed, the list timeline and its stream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server.events import Event
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def account_id(app: Starlette, username: str) -> str:
    account = await app.state.insideout.storage.accounts.get_local(username)
    return str(account.id)


async def follow(client: httpx.AsyncClient, headers: dict[str, str], target: str) -> None:
    response = await client.post(f"/api/v1/accounts/{target}/follow", headers=headers)
    assert response.status_code == 200, response.text


async def test_lists_are_created_read_renamed_and_deleted_by_their_owner_only(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))

        created = await client.post("/api/v1/lists", headers=alice, json={"title": "Team", "exclusive": True})
        assert created.status_code == 200, created.text
        team = created.json()
        assert team == {"id": team["id"], "title": "Team", "replies_policy": "list", "exclusive": True}

        renamed = await client.put(f"/api/v1/lists/{team['id']}", headers=alice,
                                   data={"title": "Core", "replies_policy": "followed"})
        assert renamed.json() == {**team, "title": "Core", "replies_policy": "followed"}
        assert (await client.get("/api/v1/lists", headers=alice)).json() == [renamed.json()]

        # Someone else's list answers like a list that never existed.
        foreign = await client.get(f"/api/v1/lists/{team['id']}", headers=bob)
        missing = await client.get("/api/v1/lists/999999", headers=bob)
        assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json()) == (
            404, {"error": "Record not found"})
        assert (await client.delete(f"/api/v1/lists/{team['id']}", headers=bob)).status_code == 404
        assert (await client.get("/api/v1/lists", headers=bob)).json() == []

        assert (await client.post("/api/v1/lists", headers=alice, data={"title": " "})).status_code == 422
        bad = await client.post("/api/v1/lists", headers=alice, data={"title": "x", "replies_policy": "all"})
        assert bad.status_code == 422
        assert (await client.delete(f"/api/v1/lists/{team['id']}", headers=alice)).json() == {}
        assert (await client.get("/api/v1/lists", headers=alice)).json() == []


async def test_lists_need_their_scopes_and_a_user(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        reader = bearer(await staff_token(app, "alice", scopes="read:lists"))
        assert (await client.get("/api/v1/lists", headers=reader)).status_code == 200
        assert (await client.post("/api/v1/lists", headers=reader, data={"title": "x"})).status_code == 403
        assert (await client.get("/api/v1/lists")).status_code == 401
        other = bearer(await staff_token(app, "bob", scopes="read:statuses"))
        assert (await client.get("/api/v1/lists", headers=other)).status_code == 403


async def test_members_must_be_followed(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        await staff_token(app, "bob")
        await staff_token(app, "carol")
        bob_id, carol_id = await account_id(app, "bob"), await account_id(app, "carol")
        team = (await client.post("/api/v1/lists", headers=alice, data={"title": "Team"})).json()
        members = f"/api/v1/lists/{team['id']}/accounts"

        refused = await client.post(members, headers=alice, data={"account_ids[]": [bob_id]})
        assert refused.status_code == 422 and "follow" in refused.json()["error"]
        assert (await client.post(members, headers=alice, data={"account_ids[]": ["424242"]})).status_code == 404

        await follow(client, alice, bob_id)
        await follow(client, alice, carol_id)
        added = await client.post(members, headers=alice, data={"account_ids[]": [bob_id, carol_id]})
        assert (added.status_code, added.json()) == (200, {})
        listed = await client.get(members, headers=alice, params={"limit": 1})
        assert [a["id"] for a in listed.json()] == [carol_id] and 'rel="next"' in listed.headers["link"]
        everyone = await client.get(members, headers=alice, params={"limit": 0})
        assert {a["id"] for a in everyone.json()} == {bob_id, carol_id} and "link" not in everyone.headers
        assert [x["id"] for x in (await client.get(f"/api/v1/accounts/{bob_id}/lists", headers=alice)).json()] == [
            team["id"]]

        removed = await client.request("DELETE", members, headers=alice, params={"account_ids[]": carol_id})
        assert removed.json() == {}
        assert [a["id"] for a in (await client.get(members, headers=alice)).json()] == [bob_id]

        await client.post(f"/api/v1/accounts/{bob_id}/unfollow", headers=alice)
        assert (await client.get(members, headers=alice)).json() == []


async def test_the_list_timeline_shows_members_posts_and_streams_them(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        bob_id = await account_id(app, "bob")
        await follow(client, alice, bob_id)
        team = (await client.post("/api/v1/lists", headers=alice, data={"title": "Team", "exclusive": "true"})).json()
        await client.post(f"/api/v1/lists/{team['id']}/accounts", headers=alice, data={"account_ids[]": bob_id})

        async with app.state.insideout.events.subscribe([f"list:{team['id']}"]) as subscription:
            first = (await client.post("/api/v1/statuses", headers=bob, data={"status": "one"})).json()
            second = (await client.post("/api/v1/statuses", headers=bob, data={"status": "two"})).json()
            await client.post("/api/v1/statuses", headers=carol, data={"status": "not a member"})
            # Two events expected; a third (carol's) would arrive with them if it were sent at all
            heard = [await asyncio.wait_for(subscription.queue.get(), 5) for _ in range(2)]
            await asyncio.sleep(0.2)
            assert subscription.queue.empty()
        assert heard == [Event(f"list:{team['id']}", "update", int(first["id"])),
                         Event(f"list:{team['id']}", "update", int(second["id"]))]

        timeline = await client.get(f"/api/v1/timelines/list/{team['id']}", headers=alice, params={"limit": 1})
        assert [s["id"] for s in timeline.json()] == [second["id"]]
        older = await client.get(f"/api/v1/timelines/list/{team['id']}", headers=alice,
                                 params={"max_id": second["id"]})
        assert [s["id"] for s in older.json()] == [first["id"]]
        assert (await client.get(f"/api/v1/timelines/list/{team['id']}", headers=bob)).status_code == 404

        # An exclusive list keeps its members' posts out of the owner's home feed.
        assert (await client.get("/api/v1/timelines/home", headers=alice)).json() == []
