"""Accounts through the Mastodon API: credentials, profile images, lookup, search, statuses, collections."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

from storage.models import FollowState, RemoteProfile
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token
from tests.server.media_objects import run_removals, stored_keys
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def _png(width: int = 64, height: int = 64, exif: bool = False) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 30, 30))
    if exif:
        data = image.getexif()
        data[0x010E] = "secret GPS-ish description"
        image.save(buffer, "JPEG", exif=data)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert response.status_code == 200, response.text
    entity: dict[str, Any] = response.json()
    return entity


def _links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


async def test_verify_credentials_has_source_and_role(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        profile_only = bearer(await staff_token(app, "alice", scopes="profile", role="admin"))
        me = await _me(client, profile_only)
        assert me["username"] == "alice" and me["acct"] == "alice"
        assert me["source"] == {
            "privacy": "public", "sensitive": False, "language": None, "note": "", "public_note": "", "fields": [],
            "follow_requests_count": 0, "hide_collections": False, "discoverable": True, "indexable": False,
            "attribution_domains": [], "quote_policy": "nobody",
        }
        assert me["role"]["name"] == "Admin" and me["role"]["permissions"] == "1"
        assert me["bot"] is False and me["fields"] == [] and me["avatar"].endswith("/avatars/original/missing.png")
        assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 401
        write_only = bearer(await staff_token(app, "bob", scopes="write"))
        assert (await client.get("/api/v1/accounts/verify_credentials", headers=write_only)).status_code == 403


async def test_update_credentials_with_rails_form_fields(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        form = {
            "display_name": " Alice A. ", "note": "Works on <b>billing</b>", "public_note": "Hello outside world",
            "bot": "1", "discoverable": "0", "hide_collections": "true",
            "fields_attributes[0][name]": "Pronouns", "fields_attributes[0][value]": "she/her",
            "fields_attributes[1][name]": "", "fields_attributes[1][value]": "",
            "fields_attributes[2][name]": "Site", "fields_attributes[2][value]": "https://example.com/alice",
            "source[privacy]": "unlisted", "source[sensitive]": "true", "source[language]": "DE",
        }
        response = await client.patch("/api/v1/accounts/update_credentials", headers=alice, data=form)
        assert response.status_code == 200, response.text
        me = response.json()
        assert me["display_name"] == "Alice A." and me["note"] == "<p>Works on &lt;b&gt;billing&lt;/b&gt;</p>"
        assert (me["bot"], me["discoverable"], me["hide_collections"]) == (True, False, True)
        assert [f["name"] for f in me["fields"]] == ["Pronouns", "Site"]
        assert me["fields"][0]["value"] == "she/her" and '<a href="https://example.com/alice"' in me["fields"][1]["value"]
        source = me["source"]
        assert source["note"] == "Works on <b>billing</b>" and source["public_note"] == "Hello outside world"
        assert (source["privacy"], source["sensitive"], source["language"]) == ("unlisted", True, "de")
        assert [f["name"] for f in source["fields"]] == ["Pronouns", "Site"]

        prefs = (await client.get("/api/v1/preferences", headers=alice)).json()
        assert prefs == {"posting:default:visibility": "unlisted", "posting:default:sensitive": True,
                         "posting:default:language": "de", "reading:expand:media": "default",
                         "reading:expand:spoilers": False}
        posted = (await client.post("/api/v1/statuses", headers=alice, data={"status": "defaults apply"})).json()
        assert (posted["visibility"], posted["sensitive"], posted["language"]) == ("unlisted", True, "de")
        chosen = (await client.post("/api/v1/statuses", headers=alice,
                                    data={"status": "explicit", "visibility": "public", "sensitive": "false"})).json()
        assert (chosen["visibility"], chosen["sensitive"]) == ("public", False)


async def test_staff_see_the_internal_bio_and_never_the_public_one_as_note(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                           json={"note": "internal: on call this week", "source": {"public_note": "Engineer"}})
        alice_id = (await _me(client, alice))["id"]
        seen = (await client.get(f"/api/v1/accounts/{alice_id}", headers=bob)).json()
        assert seen["note"] == "<p>internal: on call this week</p>"
        assert "Engineer" not in str(seen) and "source" not in seen
        assert (await _me(client, alice))["source"]["public_note"] == "Engineer"


async def test_update_credentials_refuses_bad_input(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        five = [{"name": f"n{i}", "value": "v"} for i in range(5)]
        cases: list[dict[str, Any]] = [
            {"fields_attributes": five}, {"display_name": "x" * 31}, {"note": "x" * 501},
            {"source": {"privacy": "direct"}}, {"source": {"language": "english"}},
            {"fields_attributes": [{"name": "n" * 256, "value": "v"}]},
        ]
        for body in cases:
            response = await client.patch("/api/v1/accounts/update_credentials", headers=alice, json=body)
            assert response.status_code == 422, (body, response.text)
            assert set(response.json()) == {"error"}
        assert (await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                   json={"locked": {"a": 1}})).status_code == 400
        assert (await _me(client, alice))["source"]["fields"] == []
        json_fields = await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                         json={"fields_attributes": five[:4]})
        assert len(json_fields.json()["fields"]) == 4


@pytest.mark.usefixtures("on_each_media_store")
async def test_avatar_upload_is_reencoded_and_served_at_a_capability_url(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        files = {"avatar": ("me.jpg", _png(800, 600, exif=True), "image/jpeg"), "header": ("h.png", _png(), "image/png")}
        response = await client.patch("/api/v1/accounts/update_credentials", headers=alice, files=files)
        assert response.status_code == 200, response.text
        avatar_url = response.json()["avatar"]
        match = re.search(r"/system/accounts/([0-9a-f]{32})/avatar\.(jpg|png)$", avatar_url)
        assert match, avatar_url
        assert response.json()["avatar_static"] == avatar_url and "/system/accounts/" in response.json()["header"]

        served = await client.get(avatar_url.split("http://127.0.0.1:8000")[-1])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert b"secret GPS-ish" not in served.content
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.width * image.height <= 400 * 400 and not image.getexif()

        token = match.group(1)
        for path in (f"/system/accounts/{token}/header.jpg", f"/system/accounts/{'0' * 32}/avatar.jpg",
                     f"/system/accounts/{token}/..%2Finsideout.sqlite3", "/system/accounts/x/avatar.jpg"):
            missing = await client.get(path)
            assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"}), path

        replaced = await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                      files={"avatar": ("b.png", _png(10, 10), "image/png")})
        assert replaced.json()["avatar"] != avatar_url
        await run_removals(app)  # the replaced file leaves the store through the removal queue
        assert (await client.get(avatar_url.split("http://127.0.0.1:8000")[-1])).status_code == 404
        assert await stored_keys(app, "accounts/") == sorted([
            url.split("http://127.0.0.1:8000/system/")[-1] for url in (replaced.json()["avatar"],
                                                                       replaced.json()["header"])])
        cleared = await client.delete("/api/v1/profile/avatar", headers=alice)
        assert cleared.json()["avatar"].endswith("/avatars/original/missing.png")


@pytest.mark.usefixtures("on_each_media_store")
async def test_fake_and_oversized_images_are_refused(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        fake = await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                  files={"avatar": ("x.png", b"<html>not an image</html>", "image/png")})
        assert fake.status_code == 422 and "Avatar" in fake.json()["error"]
        big = await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                 files={"header": ("x.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), "image/png")})
        assert big.status_code == 413 and "2 MB" in big.json()["error"]
        text = await client.patch("/api/v1/accounts/update_credentials", headers=alice, data={"avatar": "abc"})
        assert text.status_code == 422
        assert await stored_keys(app, "accounts/") == []  # nothing refused was kept
        assert list((tmp_path / "data" / "accounts").rglob("*.*")) == []


async def test_show_lookup_and_search(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        await staff_token(app, "annabel")
        storage = app.state.insideout.storage
        remote = await storage.accounts.upsert_remote(RemoteProfile(
            uri="https://remote.example/users/ann", username="ann", domain="remote.example", actor_type="Person",
            inbox_url="https://remote.example/users/ann/inbox", note="<p>remote bio</p>",
        ))
        me = await _me(client, alice)
        assert (await client.get(f"/api/v1/accounts/{me['id']}", headers=alice)).json()["id"] == me["id"]
        for bad in ("999999", "abc"):
            assert (await client.get(f"/api/v1/accounts/{bad}", headers=alice)).status_code == 404

        assert (await client.get("/api/v1/accounts/lookup?acct=@alice", headers=alice)).json()["id"] == me["id"]
        found = await client.get("/api/v1/accounts/lookup?acct=ann@remote.example", headers=alice)
        assert found.json()["id"] == str(remote.id) and found.json()["note"] == "<p>remote bio</p>"
        assert (await client.get("/api/v1/accounts/lookup?acct=nobody", headers=alice)).status_code == 404
        assert (await client.get("/api/v1/accounts/lookup", headers=alice)).status_code == 400
        assert (await client.get("/api/v1/accounts/lookup?acct=alice")).status_code == 401

        results = (await client.get("/api/v1/accounts/search?q=ann", headers=alice)).json()
        assert [a["acct"] for a in results] == ["annabel", "ann@remote.example"]
        exact = (await client.get("/api/v1/accounts/search?q=@ann@remote.example&resolve=true", headers=alice)).json()
        assert [a["acct"] for a in exact] == ["ann@remote.example"]
        paged = (await client.get("/api/v1/accounts/search?q=ann&limit=1&offset=1", headers=alice)).json()
        assert [a["acct"] for a in paged] == ["ann@remote.example"]
        assert (await client.get("/api/v1/accounts/search?q=ann&offset=-1", headers=alice)).status_code == 400
        assert (await client.get("/api/v1/accounts/search?q=ann&following=true", headers=alice)).json() == []
        assert (await client.get("/api/v1/accounts/search?q=", headers=alice)).json() == []


async def test_account_statuses_with_filters_and_pins(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        bob_id = (await _me(client, bob))["id"]

        async def post(text: str, **extra: str) -> str:
            status_id: str = (await client.post("/api/v1/statuses", headers=bob,
                                                data={"status": text, **extra})).json()["id"]
            return status_id

        other = (await client.post("/api/v1/statuses", headers=alice, data={"status": "alice here"})).json()["id"]
        first = await post("first #Launch")
        reply = await post("a reply to alice", in_reply_to_id=other)
        self_reply = await post("thread cont.", in_reply_to_id=first)
        secret = await post("followers only", visibility="private")
        await client.post(f"/api/v1/statuses/{first}/pin", headers=bob)
        boost = (await client.post(f"/api/v1/statuses/{other}/reblog", headers=bob)).json()["id"]

        async def ids(query: str = "") -> list[str]:
            response = await client.get(f"/api/v1/accounts/{bob_id}/statuses{query}", headers=alice)
            assert response.status_code == 200, response.text
            return [s["id"] for s in response.json()]

        assert await ids() == [boost, self_reply, reply, first]  # the private post is hidden from alice
        assert secret not in await ids()
        assert await ids("?exclude_reblogs=true") == [self_reply, reply, first]
        assert await ids("?exclude_replies=true&exclude_reblogs=true") == [self_reply, first]
        assert await ids("?tagged=launch") == [first]
        assert await ids("?pinned=true") == [first]
        assert await ids(f"?pinned=true&max_id={first}") == []
        assert await ids("?only_media=true") == []
        assert await ids("?limit=2") == [boost, self_reply]
        assert await ids(f"?max_id={reply}") == [first]


async def _crowd(app: Starlette, target_id: int, count: int) -> list[int]:
    storage = app.state.insideout.storage
    ids = []
    for index in range(count):
        account = await storage.accounts.create_local(new_account(f"follower{index:03d}"))
        await storage.follows.follow(account.id, target_id, FollowState.ACCEPTED)
        ids.append(account.id)
    return ids


async def test_followers_page_through_a_hundred_and_more_without_skips(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        alice_id = int((await _me(client, alice))["id"])
        crowd = await _crowd(app, alice_id, 105)

        seen: list[str] = []
        url: str | None = f"/api/v1/accounts/{alice_id}/followers?limit=40"
        while url:
            response = await client.get(url, headers=bob)
            assert response.status_code == 200, response.text
            seen.extend(a["id"] for a in response.json())
            url = _links(response).get("next")
            url = url.replace("http://127.0.0.1:8000", "") if url else None
        assert seen == [str(i) for i in reversed(crowd)]

        first = await client.get(f"/api/v1/accounts/{alice_id}/followers?limit=10", headers=bob)
        prev = _links(first)["prev"].replace("http://127.0.0.1:8000", "")
        assert (await client.get(prev, headers=bob)).json() == []
        following = await client.get(f"/api/v1/accounts/{crowd[0]}/following", headers=bob)
        assert [a["id"] for a in following.json()] == [str(alice_id)]
        assert (await client.get(f"/api/v1/accounts/{alice_id}", headers=bob)).json()["followers_count"] == 105


async def test_hidden_collections_are_empty_for_others_only(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob = bearer(await staff_token(app, "alice")), bearer(await staff_token(app, "bob"))
        alice_id = int((await _me(client, alice))["id"])
        await _crowd(app, alice_id, 3)
        await client.patch("/api/v1/accounts/update_credentials", headers=alice, data={"hide_collections": "true"})
        assert (await client.get(f"/api/v1/accounts/{alice_id}/followers", headers=bob)).json() == []
        assert len((await client.get(f"/api/v1/accounts/{alice_id}/followers", headers=alice)).json()) == 3


async def test_familiar_followers_featured_tags_and_lists(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice, bob, carol = [bearer(await staff_token(app, n)) for n in ("alice", "bob", "carol")]
        bob_id, carol_id = (await _me(client, bob))["id"], (await _me(client, carol))["id"]
        await client.post(f"/api/v1/accounts/{bob_id}/follow", headers=alice)
        await client.post(f"/api/v1/accounts/{carol_id}/follow", headers=bob)
        familiar = (await client.get(f"/api/v1/accounts/familiar_followers?id[]={carol_id}&id[]=777",
                                     headers=alice)).json()
        assert [(f["id"], [a["id"] for a in f["accounts"]]) for f in familiar] == [(carol_id, [bob_id])]
        assert (await client.get(f"/api/v1/accounts/{bob_id}/featured_tags", headers=alice)).json() == []
        assert (await client.get(f"/api/v1/accounts/{bob_id}/lists", headers=alice)).json() == []
        assert (await client.get("/api/v1/accounts/777/lists", headers=alice)).status_code == 404
