"""Filters v2 (and the v1 view) through the Mastodon API, and how they apply to what a viewer reads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.events import Event
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def test_filters_are_managed_with_their_keywords_and_statuses(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        alice_id = (await app.state.insideout.storage.accounts.get_local("alice")).id
        status = (await client.post("/api/v1/statuses", headers=bob, data={"status": "hello"})).json()

        async with app.state.insideout.events.subscribe([f"user:{alice_id}"]) as subscription:
            created = await client.post("/api/v2/filters", headers=alice, json={
                "title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
                "keywords_attributes": [{"keyword": "dragon"}, {"keyword": "ring", "whole_word": False}],
            })
            assert created.status_code == 200, created.text
            flt = created.json()
            assert flt["expires_at"] is None and flt["statuses"] == [] and flt["context"] == ["home", "public"]
            assert [(k["keyword"], k["whole_word"]) for k in flt["keywords"]] == [("dragon", True), ("ring", False)]
            # On PostgreSQL the event comes back through LISTEN/NOTIFY, a moment after the response
            assert await asyncio.wait_for(subscription.queue.get(), 5) == Event(f"user:{alice_id}", "filters_changed")

        dragon, ring = flt["keywords"]
        updated = await client.put(f"/api/v2/filters/{flt['id']}", headers=alice, json={
            "filter_action": "hide", "expires_in": 3600,
            "keywords_attributes": [{"id": dragon["id"], "keyword": "wyrm"}, {"id": ring["id"], "_destroy": True}],
        })
        body = updated.json()
        assert body["filter_action"] == "hide" and body["expires_at"] is not None and body["title"] == "Spoilers"
        assert [k["keyword"] for k in body["keywords"]] == ["wyrm"]

        keyword = (await client.post(f"/api/v2/filters/{flt['id']}/keywords", headers=alice,
                                     data={"keyword": "orc", "whole_word": "false"})).json()
        assert keyword["whole_word"] is False
        changed = await client.put(f"/api/v2/filters/keywords/{keyword['id']}", headers=alice, data={"keyword": "elf"})
        assert changed.json() == {**keyword, "keyword": "elf"}
        assert len((await client.get(f"/api/v2/filters/{flt['id']}/keywords", headers=alice)).json()) == 2
        assert (await client.delete(f"/api/v2/filters/keywords/{keyword['id']}", headers=alice)).json() == {}

        entry = (await client.post(f"/api/v2/filters/{flt['id']}/statuses", headers=alice,
                                   data={"status_id": status["id"]})).json()
        assert entry == {"id": entry["id"], "status_id": status["id"]}
        again = await client.post(f"/api/v2/filters/{flt['id']}/statuses", headers=alice, data={"status_id": status["id"]})
        assert again.status_code == 422
        assert (await client.get(f"/api/v2/filters/statuses/{entry['id']}", headers=alice)).json() == entry
        assert (await client.get(f"/api/v2/filters/{flt['id']}/statuses", headers=alice)).json() == [entry]

        # Another account's filter, keyword or entry is simply not found.
        for path in (f"/api/v2/filters/{flt['id']}", f"/api/v2/filters/keywords/{dragon['id']}",
                     f"/api/v2/filters/statuses/{entry['id']}", f"/api/v2/filters/{flt['id']}/keywords"):
            assert (await client.get(path, headers=bob)).status_code == 404, path
        assert (await client.delete(f"/api/v2/filters/{flt['id']}", headers=bob)).status_code == 404

        assert (await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=alice)).json() == {}
        assert (await client.delete(f"/api/v2/filters/{flt['id']}", headers=alice)).json() == {}
        assert (await client.get("/api/v2/filters", headers=alice)).json() == []


async def test_invalid_filters_are_refused(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        reader = bearer(await staff_token(app, "bob", scopes="read:filters"))
        assert (await client.post("/api/v2/filters", headers=alice, json={"title": "x"})).status_code == 422
        bad_context = await client.post("/api/v2/filters", headers=alice, json={"title": "x", "context": ["inbox"]})
        assert bad_context.status_code == 422
        bad_action = await client.post("/api/v2/filters", headers=alice,
                                       json={"title": "x", "context": ["home"], "filter_action": "delete"})
        assert bad_action.status_code == 422
        assert (await client.get("/api/v2/filters", headers=reader)).status_code == 200
        refused = await client.post("/api/v2/filters", headers=reader, json={"title": "x", "context": ["home"]})
        assert refused.status_code == 403


async def test_v1_filters_are_a_view_of_v2_keywords(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        created = await client.post("/api/v1/filters", headers=alice,
                                    data={"phrase": "dragon", "context[]": ["home"], "irreversible": "true"})
        v1 = created.json()
        assert v1 == {"id": v1["id"], "phrase": "dragon", "context": ["home"], "whole_word": True,
                      "expires_at": None, "irreversible": True}
        [v2] = (await client.get("/api/v2/filters", headers=alice)).json()
        assert v2["title"] == "dragon" and v2["filter_action"] == "hide" and v2["keywords"][0]["id"] == v1["id"]
        assert (await client.get("/api/v1/filters", headers=alice)).json() == [v1]
        changed = await client.put(f"/api/v1/filters/{v1['id']}", headers=alice, data={"phrase": "wyrm",
                                                                                        "irreversible": "false"})
        assert changed.json()["phrase"] == "wyrm" and changed.json()["irreversible"] is False
        assert (await client.delete(f"/api/v1/filters/{v1['id']}", headers=alice)).json() == {}
        assert (await client.get("/api/v2/filters", headers=alice)).json() == []


async def test_filters_warn_or_hide_in_their_contexts(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        bob_id = str((await app.state.insideout.storage.accounts.get_local("bob")).id)
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
        warned = (await client.post("/api/v1/statuses", headers=bob,
                                    data={"status": "Sneak peek: the Dragon returns"})).json()
        inside_word = (await client.post("/api/v1/statuses", headers=bob, data={"status": "snapdragons bloom"})).json()
        hidden = (await client.post("/api/v1/statuses", headers=bob,
                                    data={"status": "lunch", "spoiler_text": "Ending revealed"})).json()
        await client.post("/api/v2/filters", headers=alice, json={
            "title": "Dragons", "context": ["home", "thread"], "keywords_attributes": [{"keyword": "dragon"}]})
        await client.post("/api/v2/filters", headers=alice, json={
            "title": "Endings", "context": ["home", "public"], "filter_action": "hide",
            "keywords_attributes": [{"keyword": "ending", "whole_word": True}]})

        home = (await client.get("/api/v1/timelines/home", headers=alice)).json()
        assert [s["id"] for s in home] == [inside_word["id"], warned["id"]]
        by_id = {s["id"]: s for s in home}
        [result] = by_id[warned["id"]]["filtered"]
        assert result["keyword_matches"] == ["dragon"] and result["status_matches"] is None
        assert result["filter"]["title"] == "Dragons" and result["filter"]["filter_action"] == "warn"
        assert by_id[inside_word["id"]]["filtered"] == []  # whole word: "snapdragons" is not "dragon"

        public = (await client.get("/api/v1/timelines/public", headers=alice)).json()
        assert hidden["id"] not in [s["id"] for s in public]
        assert all(s["filtered"] == [] for s in public)  # "Dragons" does not apply to public
        # The status itself stays reachable; only timelines drop it.
        assert (await client.get(f"/api/v1/statuses/{hidden['id']}", headers=alice)).status_code == 200
        # Other viewers are untouched.
        assert hidden["id"] in [s["id"] for s in (await client.get("/api/v1/timelines/public", headers=bob)).json()]


async def test_a_filter_can_hold_a_status_and_matches_its_boosts(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        carol = bearer(await staff_token(app, "carol"))
        carol_id = str((await app.state.insideout.storage.accounts.get_local("carol")).id)
        await client.post(f"/api/v1/accounts/{carol_id}/follow", headers=alice)
        original = (await client.post("/api/v1/statuses", headers=bob, data={"status": "meh"})).json()
        boost = (await client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=carol)).json()
        flt = (await client.post("/api/v2/filters", headers=alice, json={"title": "No", "context": ["home"]})).json()
        await client.post(f"/api/v2/filters/{flt['id']}/statuses", headers=alice, data={"status_id": original["id"]})

        [shown] = (await client.get("/api/v1/timelines/home", headers=alice)).json()
        assert shown["id"] == boost["id"]
        assert shown["filtered"][0]["status_matches"] == [original["id"]]
        assert shown["reblog"]["filtered"][0]["filter"]["id"] == flt["id"]
