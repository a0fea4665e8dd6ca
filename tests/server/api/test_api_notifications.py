"""Notifications (v1 and grouped v2), markers and unread counts through the Mastodon API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')
BASE = "http://127.0.0.1:8000"


async def _id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    account_id: str = (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).json()["id"]
    return account_id


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> httpx.Response:
    response = await client.get(url.replace(BASE, ""), headers=headers)
    assert response.status_code == 200, response.text
    return response


def _links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


async def _mentions(client: httpx.AsyncClient, author: dict[str, str], count: int) -> list[str]:
    ids = []
    for index in range(count):
        response = await client.post("/api/v1/statuses", headers=author, data={"status": f"@alice ping {index}"})
        ids.append(response.json()["id"])
    return ids


async def test_types_filters_and_the_notification_entity(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        alice_id, bob_id = await _id(client, alice), await _id(client, bob)
        await client.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob)
        own = (await client.post("/api/v1/statuses", headers=alice, data={"status": "mine"})).json()["id"]
        await client.post(f"/api/v1/statuses/{own}/favourite", headers=bob)
        (status_id,) = await _mentions(client, bob, 1)

        everything: list[dict[str, Any]] = (await _get(client, "/api/v1/notifications", alice)).json()

        assert [n["type"] for n in everything] == ["mention", "favourite", "follow"]
        mention = everything[0]
        assert set(mention) >= {"id", "type", "created_at", "account", "status", "group_key"}
        assert mention["account"]["id"] == bob_id and mention["status"]["id"] == status_id
        assert everything[2]["status"] is None
        only = (await _get(client, "/api/v1/notifications?types[]=follow&types[]=favourite", alice)).json()
        assert [n["type"] for n in only] == ["favourite", "follow"]
        without = (await _get(client, "/api/v1/notifications?exclude_types[]=mention", alice)).json()
        assert [n["type"] for n in without] == ["favourite", "follow"]
        by_bob = (await _get(client, f"/api/v1/notifications?account_id={bob_id}", alice)).json()
        assert len(by_bob) == 3
        assert (await _get(client, f"/api/v1/notifications?account_id={alice_id}", alice)).json() == []

        single = await client.get(f"/api/v1/notifications/{mention['id']}", headers=alice)
        assert single.json()["id"] == mention["id"]
        assert (await client.get(f"/api/v1/notifications/{mention['id']}", headers=bob)).status_code == 404
        assert (await client.get("/api/v1/notifications", headers=bob)).json() == []
        assert (await client.get("/api/v1/notifications")).status_code == 401
        no_scope = bearer(await staff_token(app, "carol", scopes="read:statuses"))
        assert (await client.get("/api/v1/notifications", headers=no_scope)).status_code == 403
        assert (await client.get("/api/v1/notifications?max_id=zz", headers=alice)).status_code == 400


async def test_pages_of_notifications_never_skip_or_repeat(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        await _mentions(client, bob, 7)
        first = await _get(client, "/api/v1/notifications?limit=3", alice)
        seen = [n["id"] for n in first.json()]
        next_url = _links(first).get("next")
        while next_url:
            page = await _get(client, next_url, alice)
            seen.extend(n["id"] for n in page.json())
            next_url = _links(page).get("next")
        assert len(seen) == len(set(seen)) == 7 and seen == sorted(seen, key=int, reverse=True)
        assert len((await _get(client, "/api/v1/notifications?limit=500", alice)).json()) == 7
        catch_up = await _get(client, f"/api/v1/notifications?min_id={seen[-1]}&limit=2", alice)
        assert [n["id"] for n in catch_up.json()] == seen[-3:-1]


async def test_blocked_and_muted_senders_are_never_shown(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob, carol = bearer(await staff_token(app, "bob")), bearer(await staff_token(app, "carol"))
        bob_id, carol_id = await _id(client, bob), await _id(client, carol)
        await _mentions(client, bob, 3)
        carols = await _mentions(client, carol, 1)
        notes = (await _get(client, "/api/v1/notifications", alice)).json()
        bobs_notification = notes[-1]["id"]

        await client.post(f"/api/v1/accounts/{bob_id}/block", headers=alice)

        shown = (await _get(client, "/api/v1/notifications?limit=2", alice)).json()
        assert [n["status"]["id"] for n in shown] == carols
        assert (await client.get(f"/api/v1/notifications/{bobs_notification}", headers=alice)).status_code == 404
        await client.post(f"/api/v1/accounts/{carol_id}/mute", headers=alice)
        assert (await _get(client, "/api/v1/notifications", alice)).json() == []
        await client.post(f"/api/v1/accounts/{carol_id}/mute", headers=alice, data={"notifications": "false"})
        assert len((await _get(client, "/api/v1/notifications", alice)).json()) == 1


async def test_dismiss_and_clear(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        await _mentions(client, bob, 3)
        ids = [n["id"] for n in (await _get(client, "/api/v1/notifications", alice)).json()]
        assert (await client.post(f"/api/v1/notifications/{ids[0]}/dismiss", headers=bob)).status_code == 404
        dismissed = await client.post(f"/api/v1/notifications/{ids[0]}/dismiss", headers=alice)
        assert (dismissed.status_code, dismissed.json()) == (200, {})
        legacy = await client.post("/api/v1/notifications/dismiss", headers=alice, data={"id": ids[1]})
        assert legacy.status_code == 200
        assert [n["id"] for n in (await _get(client, "/api/v1/notifications", alice)).json()] == [ids[2]]
        reader = bearer(await staff_token(app, "reader", scopes="read"))
        assert (await client.post("/api/v1/notifications/clear", headers=reader)).status_code == 403
        assert (await client.post("/api/v1/notifications/clear", headers=alice)).json() == {}
        assert (await _get(client, "/api/v1/notifications", alice)).json() == []


async def test_markers_and_unread_count(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        await _mentions(client, bob, 4)
        ids = [n["id"] for n in (await _get(client, "/api/v1/notifications", alice)).json()]
        assert (await _get(client, "/api/v1/notifications/unread_count", alice)).json() == {"count": 4}
        assert (await _get(client, "/api/v1/markers?timeline[]=notifications", alice)).json() == {}

        saved = await client.post("/api/v1/markers", headers=alice,
                                  data={"notifications[last_read_id]": ids[1], "home[last_read_id]": "5"})

        assert saved.status_code == 200, saved.text
        body = saved.json()
        assert body["notifications"]["last_read_id"] == ids[1] and body["notifications"]["version"] == 0
        assert body["home"]["last_read_id"] == "5" and body["home"]["updated_at"].endswith("Z")
        assert (await _get(client, "/api/v1/notifications/unread_count", alice)).json() == {"count": 1}
        assert (await _get(client, "/api/v1/notifications/unread_count?limit=0", alice)).json() == {"count": 1}
        again = await client.post("/api/v1/markers", headers=alice, json={"home": {"last_read_id": "9"}})
        assert again.json() == {"home": {**again.json()["home"], "last_read_id": "9", "version": 1}}
        both = (await _get(client, "/api/v1/markers?timeline[]=home&timeline[]=notifications&timeline[]=x",
                           alice)).json()
        assert set(both) == {"home", "notifications"} and both["home"]["version"] == 1
        assert (await client.post("/api/v1/markers", headers=alice, json={"home": {}})).status_code == 400
        assert (await client.post("/api/v1/markers", headers=alice,
                                  json={"home": {"last_read_id": "nope"}})).status_code == 400
        assert (await client.get("/api/v1/markers", headers=bob)).json() == {}
        read_only = bearer(await staff_token(app, "reader", scopes="read"))
        assert (await client.post("/api/v1/markers", headers=read_only, json={"home": {"last_read_id": "1"}})
                ).status_code == 403


async def test_grouped_notifications_v2(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id = await _id(client, bob)
        status_ids = await _mentions(client, bob, 2)
        response = await _get(client, "/api/v2/notifications?limit=1", alice)
        body = response.json()
        assert [a["id"] for a in body["accounts"]] == [bob_id]
        assert [s["id"] for s in body["statuses"]] == [status_ids[1]]
        (group,) = body["notification_groups"]
        assert group["type"] == "mention" and group["notifications_count"] == 1
        assert group["sample_account_ids"] == [bob_id] and group["status_id"] == status_ids[1]
        assert group["group_key"] == f"ungrouped-{group['most_recent_notification_id']}"
        assert "next" in _links(response)
        one = (await _get(client, f"/api/v2/notifications/{group['group_key']}", alice)).json()
        assert one["notification_groups"][0]["group_key"] == group["group_key"]
        senders = (await _get(client, f"/api/v2/notifications/{group['group_key']}/accounts", alice)).json()
        assert [a["id"] for a in senders] == [bob_id]
        assert (await client.get("/api/v2/notifications/favourite-1-2", headers=alice)).status_code == 404
        dismissed = await client.post(f"/api/v2/notifications/{group['group_key']}/dismiss", headers=alice)
        assert dismissed.status_code == 200
        assert (await _get(client, "/api/v2/notifications/unread_count", alice)).json() == {"count": 1}
        assert (await _get(client, "/api/v2/notifications/policy", alice)).json()["for_not_following"] == "accept"
        assert (await _get(client, "/api/v1/notifications/requests", alice)).json() == []
