"""``/api/v2/search``: accounts, hashtags, and only the statuses the viewer may see."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def test_search_never_finds_a_status_the_viewer_may_not_see(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        shared = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "Canary roadmap for everyone"})).json()
        direct = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "Canary roadmap for @bob", "visibility": "direct"})).json()
        private = (await client.post("/api/v1/statuses", headers=alice,
                                     data={"status": "Canary roadmap, followers", "visibility": "private"})).json()

        async def found(headers: dict[str, str], **params: str) -> list[str]:
            response = await client.get("/api/v2/search", headers=headers,
                                        params={"q": "canary", "type": "statuses", **params})
            assert response.status_code == 200, response.text
            return [s["id"] for s in response.json()["statuses"]]

        assert await found(carol) == [shared["id"]]
        assert await found(bob) == [direct["id"], shared["id"]]
        assert await found(alice) == [private["id"], direct["id"], shared["id"]]
        # A URL of a post the viewer may not see finds nothing, like an unknown one.
        url = f"{app.state.insideout.settings.base_url}/@alice/{direct['id']}"
        assert await found(carol, q=url) == []
        assert await found(bob, q=url) == [direct["id"]]

        assert await found(alice, limit="1", offset="1") == [direct["id"]]
        assert await found(alice, max_id=direct["id"]) == [shared["id"]]
        alice_id = shared["account"]["id"]
        assert await found(bob, account_id=alice_id, q="roadmap everyone") == [shared["id"]]


async def test_search_finds_accounts_and_hashtags(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        await staff_token(app, "alfred")
        await staff_token(app, "bob")
        await client.post("/api/v1/statuses", headers=alice, data={"status": "#Launchpad and #launch"})

        everything = (await client.get("/api/v2/search", headers=alice, params={"q": "al"})).json()
        assert set(everything) == {"accounts", "statuses", "hashtags"}
        assert {a["username"] for a in everything["accounts"]} == {"alice", "alfred"}
        domain = app.state.insideout.settings.domain
        exact = (await client.get("/api/v2/search", headers=alice,
                                  params={"q": f"@alice@{domain}", "type": "accounts"})).json()
        assert [a["username"] for a in exact["accounts"]] == ["alice"] and exact["statuses"] == []

        tags = (await client.get("/api/v2/search", headers=alice, params={"q": "#laun", "type": "hashtags"})).json()
        assert [t["name"] for t in tags["hashtags"]] == ["launch", "Launchpad"]
        assert tags["hashtags"][0]["following"] is False
        assert (tags["hashtags"][0]["history"][0]["uses"], len(tags["hashtags"][0]["history"])) == ("1", 7)


async def test_search_needs_a_query_a_scope_and_v1_is_gone(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        assert (await client.get("/api/v2/search", headers=alice)).status_code == 400
        assert (await client.get("/api/v2/search", headers=alice, params={"q": "x", "type": "y"})).status_code == 422
        assert (await client.get("/api/v2/search", params={"q": "x"})).status_code == 401
        narrow = bearer(await staff_token(app, "bob", scopes="read:statuses"))
        assert (await client.get("/api/v2/search", headers=narrow, params={"q": "x"})).status_code == 403
        assert (await client.get("/api/v1/search", headers=alice, params={"q": "x"})).status_code == 404
