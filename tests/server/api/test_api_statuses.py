"""Posting and reading statuses through the Mastodon API, as a client sees them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_post_read_edit_and_delete(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))

        created = await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "Hello @bob #Launch https://example.com/x", "language": "en"})
        assert created.status_code == 200, created.text
        status = created.json()
        assert isinstance(status["id"], str) and RFC3339_MS.match(status["created_at"])
        assert status["visibility"] == "public" and status["local_only"] is True
        assert status["publication"] == {"state": "internal", "published_at": None, "url": None}
        assert [m["acct"] for m in status["mentions"]] == ["bob"]
        assert status["tags"] == [{"name": "Launch", "url": "http://127.0.0.1:8000/tags/launch"}]
        assert 'class="u-url mention"' in status["content"] and 'rel="tag"' in status["content"]
        assert status["account"]["username"] == "alice" and status["favourited"] is False

        seen = await client.get(f"/api/v1/statuses/{status['id']}", headers=bob)
        assert seen.status_code == 200 and seen.json()["content"] == status["content"]

        edited = await client.put(f"/api/v1/statuses/{status['id']}", headers=alice,
                                  data={"status": "Hello again", "spoiler_text": "cw"})
        assert edited.status_code == 200 and edited.json()["edited_at"] is not None
        assert edited.json()["sensitive"] is True
        history = (await client.get(f"/api/v1/statuses/{status['id']}/history", headers=bob)).json()
        assert [h["content"] for h in history][-1] == "<p>Hello again</p>" and len(history) == 2
        source = (await client.get(f"/api/v1/statuses/{status['id']}/source", headers=alice)).json()
        assert source == {"id": status["id"], "text": "Hello again", "spoiler_text": "cw"}

        assert (await client.delete(f"/api/v1/statuses/{status['id']}", headers=bob)).status_code == 404
        deleted = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice)
        assert deleted.status_code == 200 and deleted.json()["text"] == "Hello again"
        assert (await client.get(f"/api/v1/statuses/{status['id']}", headers=bob)).status_code == 404


async def test_idempotency_key_returns_the_same_status(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        headers = {**alice, "Idempotency-Key": "abc"}
        first = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
        second = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
        assert first.json()["id"] == second.json()["id"]


async def test_private_and_direct_posts_reach_only_their_audience(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        secret = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "only @bob", "visibility": "direct"})).json()

        assert (await client.get(f"/api/v1/statuses/{secret['id']}", headers=bob)).status_code == 200
        hidden = await client.get(f"/api/v1/statuses/{secret['id']}", headers=carol)
        missing = await client.get("/api/v1/statuses/123456789", headers=carol)
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (
            404, {"error": "Record not found"})
        home = (await client.get("/api/v1/timelines/home", headers=bob)).json()
        assert [s["id"] for s in home] == [secret["id"]]
        assert (await client.get("/api/v1/timelines/home", headers=carol)).json() == []


async def test_replies_build_a_context_and_actions_notify(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        root = (await client.post("/api/v1/statuses", headers=alice, data={"status": "root"})).json()
        reply = (await client.post("/api/v1/statuses", headers=bob,
                                   data={"status": "@alice reply", "in_reply_to_id": root["id"]})).json()
        assert reply["in_reply_to_id"] == root["id"] and reply["in_reply_to_account_id"] == root["account"]["id"]

        context = (await client.get(f"/api/v1/statuses/{reply['id']}/context", headers=alice)).json()
        assert [s["id"] for s in context["ancestors"]] == [root["id"]]
        assert [s["id"] for s in (await client.get(f"/api/v1/statuses/{root['id']}/context", headers=alice)).json()[
            "descendants"]] == [reply["id"]]

        favourited = (await client.post(f"/api/v1/statuses/{root['id']}/favourite", headers=bob)).json()
        assert favourited["favourited"] is True and favourited["favourites_count"] == 1
        boost = (await client.post(f"/api/v1/statuses/{root['id']}/reblog", headers=bob)).json()
        assert boost["reblog"]["id"] == root["id"] and boost["id"] != root["id"]
        assert (await client.post(f"/api/v1/statuses/{root['id']}/bookmark", headers=bob)).json()["bookmarked"]
        pinned = (await client.post(f"/api/v1/statuses/{root['id']}/pin", headers=alice)).json()
        assert pinned["pinned"] is True
        assert (await client.post(f"/api/v1/statuses/{root['id']}/pin", headers=bob)).status_code == 422

        by = (await client.get(f"/api/v1/statuses/{root['id']}/favourited_by", headers=alice)).json()
        assert [a["username"] for a in by] == ["bob"]
        bookmarks = (await client.get("/api/v1/bookmarks", headers=bob)).json()
        assert [s["id"] for s in bookmarks] == [root["id"]]


async def test_bad_input_gets_mastodon_errors(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        reader = bearer(await staff_token(app, "reader", scopes="read"))
        cases = [
            (await client.post("/api/v1/statuses", headers=alice, data={"status": ""}), 422),
            (await client.post("/api/v1/statuses", headers=alice, data={"status": "x" * 501}), 422),
            (await client.post("/api/v1/statuses", headers=alice, data={"status": "x", "visibility": "everyone"}), 422),
            (await client.post("/api/v1/statuses", headers=alice, data={"status": "x", "in_reply_to_id": "99"}), 404),
            (await client.post("/api/v1/statuses", headers=reader, data={"status": "x"}), 403),
            (await client.post("/api/v1/statuses", data={"status": "x"}), 401),
            (await client.get("/api/v1/statuses/not-a-number", headers=alice), 404),
            (await client.post("/api/v1/statuses", headers={**alice, "Content-Type": "application/json"},
                               content=b"{not json"), 400),
        ]
        for response, status in cases:
            assert response.status_code == status, response.text
            assert set(response.json()) >= {"error"}


@pytest.mark.parametrize(
    "body", [b"[" * 3000 + b"]" * 3000, b'{"status": ' * 3000 + b'"x"' + b"}" * 3000], ids=["arrays", "objects"]
)
async def test_a_deeply_nested_json_body_is_a_bad_request_and_posts_nothing(tmp_path: Path, body: bytes) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        # given a staff member, and a body json.loads alone cannot read without a RecursionError
        alice = bearer(await staff_token(app, "alice"))
        json_type = {"Content-Type": "application/json"}

        # when it is posted with a token, and without one (the token is then looked for in the body)
        signed_in = await client.post("/api/v1/statuses", headers={**alice, **json_type}, content=body)
        anonymous = await client.post("/api/v1/statuses", headers=json_type, content=body)
        posted = await client.get("/api/v1/timelines/home", headers=alice)

    # then it is a 400 in Mastodon's shape, an anonymous caller is told to sign in, and nothing is posted
    assert signed_in.status_code == 400
    assert signed_in.json() == {"error": "Error occurred while parsing request parameters: JSON nested too deeply"}
    assert anonymous.status_code == 401
    assert posted.json() == []
