"""Trends, hashtag history and featured hashtags through the API: staff see inside, others nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from server.mastodon.auth import digest_token, new_token
from storage.clock import utcnow
from storage.remote_media import NewPreviewCard
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

TRENDS = ("/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links")


def midnight(days_ago: int) -> str:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return str(int((today - timedelta(days=days_ago)).timestamp()))


async def post(client: httpx.AsyncClient, token: dict[str, str], text: str, **fields: str) -> dict[str, object]:
    response = await client.post("/api/v1/statuses", headers=token, data={"status": text, **fields})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


async def test_trending_tags_count_shared_posts_with_a_week_of_history(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob, carol = [bearer(await staff_token(app, n)) for n in ("alice", "bob", "carol")]
        # Given two colleagues post #launch, one posts #lunch, and #secret only goes to followers
        await post(client, alice, "#Launch today")
        await post(client, bob, "#launch too")
        await post(client, bob, "#lunch anyone?", visibility="unlisted")
        await post(client, alice, "#secret plan", visibility="private")

        # When carol asks for trending tags
        response = await client.get("/api/v1/trends/tags", headers=carol)
        assert response.status_code == 200, response.text
        tags = response.json()
        # Then #launch leads, with today's uses and authors as strings, and #secret is not there
        assert [t["name"] for t in tags] == ["Launch", "lunch"]
        history = tags[0]["history"]
        assert len(history) == 7
        assert history[0] == {"day": midnight(0), "uses": "2", "accounts": "2"}
        assert history[1] == {"day": midnight(1), "uses": "0", "accounts": "0"}
        assert tags[0]["following"] is False
        assert (await client.get("/api/v1/trends", headers=carol)).json() == tags
        # And limit and offset page through them, with Mastodon's Link header
        page = await client.get("/api/v1/trends/tags?limit=1&offset=1", headers=carol)
        assert [t["name"] for t in page.json()] == ["lunch"]
        assert 'rel="prev"' in page.headers["link"]
        # And the tag's own history counts the private post only for those who may read it
        alice_sees = (await client.get("/api/v1/tags/secret", headers=alice)).json()["history"][0]
        carol_sees = (await client.get("/api/v1/tags/secret", headers=carol)).json()["history"][0]
        assert (alice_sees["uses"], carol_sees["uses"]) == ("1", "0")
        found = (await client.get("/api/v2/search?q=%23launch&type=hashtags", headers=carol)).json()
        assert found["hashtags"][0]["history"][0]["uses"] == "2"


async def test_trending_statuses_rank_staff_engagement_and_skip_private_posts(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob, carol = [bearer(await staff_token(app, n)) for n in ("alice", "bob", "carol")]
        quiet = await post(client, alice, "quiet")
        loud = await post(client, alice, "loud")
        hidden = await post(client, alice, "followers only", visibility="private")
        await client.post(f"/api/v1/accounts/{loud['account']['id']}/follow", headers=bob)  # type: ignore[index]
        for token in (bob, carol):
            await client.post(f"/api/v1/statuses/{loud['id']}/favourite", headers=token)
            await client.post(f"/api/v1/statuses/{hidden['id']}/favourite", headers=token)
        await client.post(f"/api/v1/statuses/{quiet['id']}/reblog", headers=bob)
        await client.post(f"/api/v1/statuses/{loud['id']}/favourite", headers=alice)  # her own: not counted

        trending = (await client.get("/api/v1/trends/statuses", headers=carol)).json()
        assert [s["id"] for s in trending] == [loud["id"], quiet["id"]]
        assert trending[0]["favourited"] is True
        assert (await client.get("/api/v1/trends/statuses?offset=2", headers=carol)).json() == []
        assert [s["id"] for s in (await client.get("/api/v1/trends/statuses", headers=bob)).json()] == [
            loud["id"], quiet["id"]]


async def test_trending_links_come_from_cards_of_shared_posts(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        status = await post(client, alice, "read https://example.com/report")
        # Given the post got a card (as a published or remote post would; internal links are never fetched)
        storage = app.state.insideout.storage
        card = await storage.cards.save(NewPreviewCard(url="https://example.com/report", title="Report"), utcnow())
        await storage.cards.link(int(str(status["id"])), card.id)

        [link] = (await client.get("/api/v1/trends/links", headers=bob)).json()
        assert (link["url"], link["title"]) == ("https://example.com/report", "Report")
        assert link["history"][0] == {"day": midnight(0), "uses": "1", "accounts": "1"}


async def test_outsiders_get_empty_trends(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        status = await post(client, alice, "#launch CANARY")
        await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bearer(await staff_token(app, "bob")))
        app_only = new_token()
        await app.state.insideout.storage.tokens.create_access_token(digest_token(app_only), None, None, ["read"])
        for path in TRENDS:
            for headers in ({}, bearer(app_only)):
                response = await client.get(path, headers=headers)
                assert (response.status_code, response.json()) == (200, []), path
                assert "link" not in response.headers
            assert (await client.get(path, headers=bearer("not-a-token"))).status_code == 401
        assert (await client.get("/api/v1/trends/tags", headers=alice)).json() != []


async def test_featured_tags_are_listed_limited_and_removed(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        first = await post(client, alice, "#Launch day")
        await post(client, alice, "#launch secret", visibility="private")
        await post(client, alice, "#news")
        suggested = (await client.get("/api/v1/featured_tags/suggestions", headers=alice)).json()
        assert [t["name"] for t in suggested] == ["news", "Launch"]

        created = await client.post("/api/v1/featured_tags", headers=alice, data={"name": "#Launch"})
        assert created.status_code == 200, created.text
        featured = created.json()
        assert featured["name"] == "Launch"
        assert featured["statuses_count"] == "1"
        assert featured["last_status_at"] == str(first["created_at"])[:10]
        assert featured["url"].endswith("/@alice/tagged/launch")
        again = await client.post("/api/v1/featured_tags", headers=alice, json={"name": "launch"})
        assert again.json()["id"] == featured["id"]
        assert (await client.get("/api/v1/featured_tags", headers=alice)).json() == [featured]
        alice_id = str(first["account"]["id"])  # type: ignore[index]
        assert (await client.get(f"/api/v1/accounts/{alice_id}/featured_tags", headers=bob)).json() == [featured]

        # The eleventh is refused in Mastodon's error shape
        for n in range(9):
            assert (await client.post("/api/v1/featured_tags", headers=alice, data={"name": f"t{n}"})).status_code == 200
        refused = await client.post("/api/v1/featured_tags", headers=alice, data={"name": "eleven"})
        assert refused.status_code == 422
        assert refused.json() == {"error": "Validation failed: You have already featured the maximum number of hashtags"}
        assert (await client.post("/api/v1/featured_tags", headers=alice, data={"name": "#"})).status_code == 422

        # Only the owner removes one; then it is gone
        assert (await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=bob)).status_code == 404
        removed = await client.delete(f"/api/v1/featured_tags/{featured['id']}", headers=alice)
        assert (removed.status_code, removed.json()) == (200, {})
        assert featured["id"] not in [f["id"] for f in (await client.get("/api/v1/featured_tags", headers=alice)).json()]

        # Scopes as Mastodon's, and no answer for anyone without a staff token
        reader = bearer(await staff_token(app, "carol", scopes="read"))
        assert (await client.post("/api/v1/featured_tags", headers=reader, data={"name": "x"})).status_code == 403
        assert (await client.get("/api/v1/featured_tags", headers=reader)).status_code == 200
        assert (await client.get(f"/api/v1/accounts/{alice_id}/featured_tags")).status_code == 401
        assert (await client.get("/api/v1/featured_tags")).status_code == 401


async def test_tags_feature_and_unfeature_as_mastodon_4_4(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        featured = await client.post("/api/v1/tags/Launch/feature", headers=alice)
        assert featured.status_code == 200, featured.text
        assert (featured.json()["name"], featured.json()["featuring"]) == ("Launch", True)
        assert [f["name"] for f in (await client.get("/api/v1/featured_tags", headers=alice)).json()] == ["Launch"]
        assert (await client.get("/api/v1/tags/launch", headers=alice)).json()["featuring"] is True
        unfeatured = (await client.post("/api/v1/tags/launch/unfeature", headers=alice)).json()
        assert unfeatured["featuring"] is False
        assert (await client.get("/api/v1/featured_tags", headers=alice)).json() == []
        assert (await client.post("/api/v1/tags/never/unfeature", headers=alice)).status_code == 404
