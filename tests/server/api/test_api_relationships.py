"""Following, requests, blocks, mutes and notes through the Mastodon API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from storage.models import FollowState, ProfileChanges, RemoteProfile
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert response.status_code == 200, response.text
    account_id: str = response.json()["id"]
    return account_id


async def _post(client: httpx.AsyncClient, headers: dict[str, str], text: str, **extra: str) -> str:
    response = await client.post("/api/v1/statuses", headers=headers, data={"status": text, **extra})
    assert response.status_code == 200, response.text
    status_id: str = response.json()["id"]
    return status_id


async def _notifications(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def _remote(app: Starlette, username: str = "rita") -> str:
    account = await app.state.insideout.storage.accounts.upsert_remote(RemoteProfile(
        uri=f"https://remote.example/users/{username}", username=username, domain="remote.example",
        actor_type="Person", inbox_url=f"https://remote.example/users/{username}/inbox",
        shared_inbox_url="https://remote.example/inbox", public_key_pem="unused",
    ))
    return str(account.id)


async def _queued(app: Starlette) -> list[dict[str, Any]]:
    rows = await app.state.insideout.storage.database.fetch_all("SELECT payload FROM deliveries ORDER BY id")
    return [json.loads(row["payload"]) for row in rows]


async def test_following_an_open_account_notifies_and_fills_home(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id, alice_id = await _me(client, bob), await _me(client, alice)
        earlier = await _post(client, bob, "before the follow", visibility="private")

        response = await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice, data={"notify": "true"})

        assert response.status_code == 200, response.text
        relationship = response.json()
        assert relationship["id"] == bob_id and relationship["following"] is True
        assert relationship["requested"] is False and relationship["notifying"] is True
        assert relationship["showing_reblogs"] is True and relationship["note"] == ""
        assert set(relationship) == {"id", "following", "showing_reblogs", "notifying", "languages", "followed_by",
                                     "blocking", "blocked_by", "muting", "muting_notifications", "requested",
                                     "requested_by", "domain_blocking", "endorsed", "note"}
        notes = await _notifications(client, bob)
        assert [(n["type"], n["account"]["id"]) for n in notes] == [("follow", alice_id)]
        home = (await client.get("/api/v1/timelines/home", headers=alice)).json()
        assert [s["id"] for s in home] == [earlier]
        seen_by_bob = (await client.get(f"/api/v1/accounts/relationships?id[]={alice_id}", headers=bob)).json()
        assert seen_by_bob[0]["followed_by"] is True and seen_by_bob[0]["following"] is False


async def test_locked_account_gets_a_request_and_authorizes_it(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id, alice_id = await _me(client, bob), await _me(client, alice)
        assert (await client.patch("/api/v1/accounts/update_credentials", headers=bob,
                                   data={"locked": "true"})).json()["locked"] is True
        secret = await _post(client, bob, "followers only", visibility="private")

        requested = (await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)).json()
        assert (requested["following"], requested["requested"]) == (False, True)
        assert [n["type"] for n in await _notifications(client, bob)] == ["follow_request"]
        pending = await client.get("/api/v1/follow_requests", headers=bob)
        assert [a["id"] for a in pending.json()] == [alice_id]
        own = (await client.get("/api/v1/accounts/verify_credentials", headers=bob)).json()
        assert own["source"]["follow_requests_count"] == 1
        assert (await client.get(f"/api/v1/statuses/{secret}", headers=alice)).status_code == 404

        authorized = await client.post(f"/api/v1/follow_requests/{alice_id}/authorize", headers=bob)

        assert authorized.status_code == 200 and authorized.json()["followed_by"] is True
        assert (await client.get("/api/v1/follow_requests", headers=bob)).json() == []
        assert (await client.get(f"/api/v1/statuses/{secret}", headers=alice)).status_code == 200
        assert [s["id"] for s in (await client.get("/api/v1/timelines/home", headers=alice)).json()] == [secret]
        again = await client.post(f"/api/v1/follow_requests/{alice_id}/authorize", headers=bob)
        assert (again.status_code, again.json()) == (404, {"error": "Record not found"})


async def test_rejecting_a_request_leaves_no_follow(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id, alice_id = await _me(client, bob), await _me(client, alice)
        await client.patch("/api/v1/accounts/update_credentials", headers=bob, json={"locked": True})
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)

        rejected = await client.post(f"/api/v1/follow_requests/{alice_id}/reject", headers=bob)

        assert rejected.status_code == 200 and rejected.json()["requested_by"] is False
        mine = (await client.get(f"/api/v1/accounts/relationships?id[]={bob_id}", headers=alice)).json()[0]
        assert (mine["following"], mine["requested"]) == (False, False)


async def test_departments_and_the_company_accept_every_follow(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        services = app.state.insideout.services
        sales = await services.departments.create("sales", "Sales")
        await app.state.insideout.storage.accounts.update_profile(sales.id, ProfileChanges(locked=True))

        followed = (await client.post(f"/api/v1/accounts/{sales.id}/follow", headers=alice)).json()

        assert (followed["following"], followed["requested"]) == (True, False)


async def test_following_yourself_or_nobody(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        alice_id = await _me(client, alice)
        own = await client.post(f"/api/v1/accounts/{alice_id}/follow", headers=alice)
        assert own.status_code == 403 and own.json()["error"]
        missing = await client.post("/api/v1/accounts/999999/follow", headers=alice)
        garbage = await client.post("/api/v1/accounts/not-an-id/follow", headers=alice)
        assert missing.status_code == garbage.status_code == 404


async def test_scopes_and_tokens_are_checked(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        reader = bearer(await staff_token(app, "alice", scopes="read"))
        bob_id = await _me(client, bearer(await staff_token(app, "bob")))
        refused = await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=reader)
        assert (refused.status_code, refused.json()) == (403, {"error": "This action is outside the authorized scopes"})
        assert (await client.post(f"/api/v1/accounts/{bob_id}/follow")).status_code == 401
        assert (await client.get(f"/api/v1/accounts/relationships?id[]={bob_id}")).status_code == 401
        follows_only = bearer(await staff_token(app, "carol", scopes="follow"))
        assert (await client.post(f"/api/v1/accounts/{bob_id}/block", headers=follows_only)).status_code == 200
        assert (await client.post(f"/api/v1/accounts/{bob_id}/note", headers=follows_only)).status_code == 403


async def test_unfollow_removes_their_posts_from_home(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id = await _me(client, bob)
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
        await _post(client, bob, "hello followers")
        assert len((await client.get("/api/v1/timelines/home", headers=alice)).json()) == 1

        gone = await client.post(f"/api/v1/accounts/{bob_id}/unfollow", headers=alice)

        assert gone.status_code == 200 and gone.json()["following"] is False
        assert (await client.get("/api/v1/timelines/home", headers=alice)).json() == []


async def test_block_removes_follows_both_ways_and_hides_statuses(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        alice_id, bob_id = await _me(client, alice), await _me(client, bob)
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
        await client.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob)
        post = await _post(client, bob, "public words")

        blocked = (await client.post(f"/api/v1/accounts/{bob_id}/block", headers=alice)).json()

        assert blocked["blocking"] is True and blocked["following"] is False and blocked["followed_by"] is False
        assert (await client.get(f"/api/v1/statuses/{post}", headers=alice)).status_code == 404
        assert (await client.get(f"/api/v1/accounts/{bob_id}/statuses", headers=alice)).json() == []
        from_bob = (await client.get(f"/api/v1/accounts/relationships?id[]={alice_id}", headers=bob)).json()[0]
        assert from_bob["blocked_by"] is True and from_bob["following"] is False
        refused = await client.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob)
        assert refused.status_code == 403
        listed = await client.get("/api/v1/blocks", headers=alice)
        assert [a["id"] for a in listed.json()] == [bob_id]

        unblocked = (await client.post(f"/api/v1/accounts/{bob_id}/unblock", headers=alice)).json()
        assert unblocked["blocking"] is False
        assert (await client.get(f"/api/v1/statuses/{post}", headers=alice)).status_code == 200


async def test_mute_hides_from_home_and_notifications(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        alice_id, bob_id = await _me(client, alice), await _me(client, bob)
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
        await _post(client, bob, "hi @alice")
        assert len(await _notifications(client, alice)) == 1

        muted = (await client.post(f"/api/v1/accounts/{bob_id}/mute", headers=alice,
                                   data={"notifications": "true", "duration": "3600"})).json()

        assert (muted["muting"], muted["muting_notifications"]) == (True, True)
        assert (await client.get("/api/v1/timelines/home", headers=alice)).json() == []
        assert await _notifications(client, alice) == []
        assert [a["id"] for a in (await client.get("/api/v1/mutes", headers=alice)).json()] == [bob_id]
        bad = await client.post(f"/api/v1/accounts/{bob_id}/mute", headers=alice, data={"duration": "-5"})
        assert bad.status_code == 422
        assert (await client.post(f"/api/v1/accounts/{bob_id}/mute", headers=alice,
                                  data={"duration": "soon"})).status_code == 400
        await client.post(f"/api/v1/accounts/{bob_id}/unmute", headers=alice)
        assert len((await client.get("/api/v1/timelines/home", headers=alice)).json()) == 1
        assert alice_id != bob_id


async def test_remove_from_followers_and_private_notes(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        alice_id, bob_id = await _me(client, alice), await _me(client, bob)
        await client.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob)

        removed = (await client.post(f"/api/v1/accounts/{bob_id}/remove_from_followers", headers=alice)).json()
        noted = await client.post(f"/api/v1/accounts/{bob_id}/note", headers=alice, data={"comment": "  ask re Q3 "})

        assert removed["followed_by"] is False
        assert noted.json()["note"] == "ask re Q3"
        too_long = await client.post(f"/api/v1/accounts/{bob_id}/note", headers=alice, data={"comment": "x" * 2001})
        assert too_long.status_code == 422
        assert (await client.get(f"/api/v1/accounts/relationships?id[]={bob_id}", headers=bob)).json()[0]["note"] == ""


async def test_relationships_come_in_request_order_without_unknown_ids(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        ids = [await _me(client, bearer(await staff_token(app, name))) for name in ("bob", "carol", "dan")]
        order = [ids[2], "424242", ids[0], ids[1], ids[0]]
        query = "&".join(f"id[]={i}" for i in order)
        response = await client.get(f"/api/v1/accounts/relationships?{query}", headers=alice)
        assert [r["id"] for r in response.json()] == [ids[2], ids[0], ids[1]]
        assert (await client.get("/api/v1/accounts/relationships?id[]=x", headers=alice)).status_code == 400


async def test_following_an_outside_account_sends_follow_and_exposes(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        rita = await _remote(app)

        followed = (await client.post(f"/api/v1/accounts/{rita}/follow", headers=alice)).json()

        assert (followed["following"], followed["requested"]) == (False, True)  # until Accept arrives
        sent = await _queued(app)
        assert [(a["type"], a["object"]) for a in sent] == [("Follow", "https://remote.example/users/rita")]
        me = await app.state.insideout.storage.accounts.get_local("alice")
        assert me.exposed is True
        await client.post(f"/api/v1/accounts/{rita}/unfollow", headers=alice)
        assert [a["type"] for a in await _queued(app)] == ["Follow", "Undo"]
        await client.post(f"/api/v1/accounts/{rita}/block", headers=alice)
        assert [a["type"] for a in await _queued(app)][-1] == "Block"


async def test_outside_follow_requests_are_answered_outside(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        alice_id = await _me(client, alice)
        rita, rob = await _remote(app, "rita"), await _remote(app, "rob")
        storage = app.state.insideout.storage
        for remote in (rita, rob):
            await storage.follows.follow(int(remote), int(alice_id), FollowState.PENDING,
                                         uri=f"https://remote.example/follows/{remote}")

        await client.post(f"/api/v1/follow_requests/{rita}/authorize", headers=alice)
        await client.post(f"/api/v1/follow_requests/{rob}/reject", headers=alice)

        replies = [(a["type"], a["object"]["id"] if isinstance(a["object"], dict) else a["object"])
                   for a in await _queued(app)]
        assert replies == [("Accept", f"https://remote.example/follows/{rita}"),
                           ("Reject", f"https://remote.example/follows/{rob}")]


async def test_endorsements_and_domain_blocks(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        assert (await client.get("/api/v1/endorsements", headers=alice)).json() == []
        assert (await client.get("/api/v1/domain_blocks", headers=alice)).json() == []
        refused = await client.post("/api/v1/domain_blocks", headers=alice, data={"domain": "bad.example"})
        assert refused.status_code == 422 and "admin" in refused.json()["error"]
