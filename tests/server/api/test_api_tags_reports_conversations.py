"""Followed tags, staff reports, direct conversations, suggestions and announcements through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def test_a_followed_tag_brings_public_posts_home(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        assert (await client.get("/api/v1/tags/launch", headers=alice)).status_code == 404

        followed = await client.post("/api/v1/tags/Launch/follow", headers=alice)
        assert followed.status_code == 200, followed.text
        tag = followed.json()
        assert (tag["name"], tag["following"]) == ("Launch", True)
        assert [(day["uses"], day["accounts"]) for day in tag["history"]] == [("0", "0")] * 7
        assert tag["url"].endswith("/tags/launch")
        assert (await client.get("/api/v1/tags/LAUNCH", headers=alice)).json()["following"] is True
        assert (await client.get("/api/v1/tags/launch", headers=bob)).json()["following"] is False

        public = (await client.post("/api/v1/statuses", headers=bob, data={"status": "#launch day"})).json()
        await client.post("/api/v1/statuses", headers=bob, data={"status": "#launch secret", "visibility": "private"})
        home = (await client.get("/api/v1/timelines/home", headers=alice)).json()
        assert [s["id"] for s in home] == [public["id"]]

        listed = await client.get("/api/v1/followed_tags", headers=alice)
        assert [t["name"] for t in listed.json()] == ["Launch"]
        unfollowed = await client.post("/api/v1/tags/launch/unfollow", headers=alice)
        assert unfollowed.json()["following"] is False
        assert (await client.get("/api/v1/followed_tags", headers=alice)).json() == []
        reader = bearer(await staff_token(app, "carol", scopes="read"))
        assert (await client.post("/api/v1/tags/launch/follow", headers=reader)).status_code == 403


async def test_reports_stay_inside_for_the_admins(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        await staff_token(app, "carol")
        post = (await client.post("/api/v1/statuses", headers=bob, data={"status": "rude"})).json()
        bob_id = post["account"]["id"]

        created = await client.post("/api/v1/reports", headers=alice, json={
            "account_id": bob_id, "status_ids": [post["id"]], "comment": "please look", "forward": True})
        assert created.status_code == 200, created.text
        report = created.json()
        assert report["category"] == "other" and report["forwarded"] is False and report["action_taken"] is False
        assert report["status_ids"] == [post["id"]] and report["rule_ids"] is None
        assert report["target_account"]["id"] == bob_id
        [stored] = await app.state.insideout.storage.staff_reports.recent()
        assert stored.forward is True and stored.forwarded_at is None  # a request only; nothing left the server

        secret = (await client.post("/api/v1/statuses", headers=bob,
                                    data={"status": "for @carol", "visibility": "direct"})).json()
        unseen = await client.post("/api/v1/reports", headers=alice,
                                   json={"account_id": bob_id, "status_ids": [secret["id"]]})
        assert unseen.status_code == 404
        assert (await client.post("/api/v1/reports", headers=alice, json={"account_id": "999"})).status_code == 404
        assert (await client.post("/api/v1/reports", headers=alice,
                                  json={"account_id": bob_id, "category": "bad"})).status_code == 422
        assert (await client.post("/api/v1/reports", headers=alice,
                                  json={"account_id": bob_id, "rule_ids": ["1"]})).status_code == 422
        reader = bearer(await staff_token(app, "dave", scopes="read"))
        assert (await client.post("/api/v1/reports", headers=reader, json={"account_id": bob_id})).status_code == 403


async def test_conversations_list_direct_threads_and_remember_reads(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        first = (await client.post("/api/v1/statuses", headers=alice,
                                   data={"status": "@bob lunch?", "visibility": "direct"})).json()
        reply = (await client.post("/api/v1/statuses", headers=bob, data={
            "status": "@alice sure", "visibility": "direct", "in_reply_to_id": first["id"]})).json()
        await client.post("/api/v1/statuses", headers=bob, data={"status": "public, not a conversation"})

        [conversation] = (await client.get("/api/v1/conversations", headers=alice)).json()
        assert conversation["id"] == first["id"] and conversation["unread"] is True
        assert [a["username"] for a in conversation["accounts"]] == ["bob"]
        assert conversation["last_status"]["id"] == reply["id"]
        assert (await client.get("/api/v1/conversations", headers=carol)).json() == []
        assert (await client.post(f"/api/v1/conversations/{first['id']}/read", headers=carol)).status_code == 404

        read = await client.post(f"/api/v1/conversations/{first['id']}/read", headers=alice)
        assert read.json()["unread"] is False
        assert (await client.get("/api/v1/conversations", headers=alice)).json()[0]["unread"] is False
        assert (await client.delete(f"/api/v1/conversations/{first['id']}", headers=alice)).json() == {}
        assert (await client.get("/api/v1/conversations", headers=alice)).json() == []
        assert len((await client.get("/api/v1/conversations", headers=bob)).json()) == 1


async def test_suggestions_are_colleagues_and_announcements_are_empty(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        await staff_token(app, "bob")
        await staff_token(app, "carol")
        bob_id = str((await app.state.insideout.storage.accounts.get_local("bob")).id)
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)

        v1 = (await client.get("/api/v1/suggestions", headers=alice)).json()
        names = {a["username"] for a in v1}
        assert "carol" in names and "bob" not in names and "alice" not in names
        v2 = (await client.get("/api/v2/suggestions", headers=alice, params={"limit": 1})).json()
        assert len(v2) == 1 and v2[0]["source"] == "staff" and v2[0]["sources"] == ["featured"]
        assert (await client.get("/api/v2/suggestions")).status_code == 401

        assert (await client.get("/api/v1/announcements", headers=alice)).json() == []
        assert (await client.post("/api/v1/announcements/1/dismiss", headers=alice)).status_code == 404
        assert (await client.get("/api/v1/announcements")).status_code == 401
