"""Uploading, describing, attaching and serving media through the Mastodon API.

Given staff with tokens; when they upload images and post them; then each
image is re-encoded without its metadata, served at an unguessable URL to
anyone holding that URL, and attached to posts only by its owner.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token
from tests.server.media_objects import run_removals, stored_bytes, stored_keys

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

SECRET = b"Insideout-secret-GPS-marker"


def jpeg(width: int = 64, height: int = 48, *, with_metadata: bool = True) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = SECRET.decode()  # Make
    exif[0x010E] = SECRET.decode()  # ImageDescription
    buffer = io.BytesIO()
    if with_metadata:
        image.save(buffer, "JPEG", exif=exif.tobytes(), comment=SECRET)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def noisy_png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buffer, "PNG")
    return buffer.getvalue()


async def upload(client: httpx.AsyncClient, headers: dict[str, str], data: bytes | None = None,
                 **fields: str) -> httpx.Response:
    files = {"file": ("photo.jpg", data if data is not None else jpeg(), "image/jpeg")}
    return await client.post("/api/v2/media", headers=headers, files=files, data=fields)


async def posted(client: httpx.AsyncClient, headers: dict[str, str], **form: Any) -> httpx.Response:
    return await client.post("/api/v1/statuses", headers=headers, data=form)


async def statuses_of(app: Starlette, username: str) -> int:
    storage = app.state.insideout.storage
    account = await storage.accounts.get_local(username)
    count: int = await storage.statuses.count_by_account(account.id)
    return count


async def test_upload_strips_metadata_and_serves_at_a_capability_url(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))

        created = await upload(client, alice, description="A red square", focus="0.5,-0.25")

        assert created.status_code == 200, created.text
        media = created.json()
        assert media["type"] == "image" and media["description"] == "A red square"
        assert media["meta"]["original"] == {"width": 64, "height": 48, "size": "64x48", "aspect": 64 / 48}
        assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25} and media["blurhash"]
        assert media["remote_url"] is None and media["preview_remote_url"] is None and media["text_url"] is None
        assert media["url"].startswith("http://127.0.0.1:8000/media/") and media["url"].endswith("/original.jpg")
        token = media["url"].split("/")[-2]
        assert len(token) == 32 and media["id"] not in media["url"]

        # The stored file and the one served carry no metadata, and need no token.
        stored = await stored_bytes(app, f"media/{token}/original.jpg")
        assert stored is not None
        assert SECRET not in stored
        served = await client.get(media["url"].removeprefix("http://127.0.0.1:8000"))
        assert served.status_code == 200 and served.content == stored
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["cache-control"].startswith("private")
        assert not Image.open(io.BytesIO(served.content)).getexif()
        head = await client.head(media["url"].removeprefix("http://127.0.0.1:8000"))
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(stored))
        assert head.headers["content-type"] == "image/jpeg"
        assert head.headers["cache-control"] == served.headers["cache-control"]
        preview = await client.get(media["preview_url"].removeprefix("http://127.0.0.1:8000"))
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"

        # v1 answers the same way.
        legacy = await client.post("/api/v1/media", headers=alice,
                                   files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        assert legacy.status_code == 200 and legacy.json()["url"]


async def test_guessing_gets_404(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        media = (await upload(client, alice)).json()
        token = media["url"].split("/")[-2]
        unknown = await client.get(f"/media/{'A' * 32}/original.jpg")

        assert unknown.status_code == 404
        for path in (f"/media/{media['id']}/original.jpg", f"/media/{token}/original.png",
                     f"/media/..%2F{token}/original.jpg", f"/media/{token}/secret.txt",
                     f"/media/{media['id']}", f"/system/media/{media['id']}/original.jpg"):
            guessed = await client.get(path)
            assert guessed.status_code == 404, path
        other_last = "x" if token[-1] != "x" else "y"  # a token one character off, never the real one
        same_route = await client.get(f"/media/{token[:-1]}{other_last}/original.jpg")
        assert (same_route.status_code, same_route.content, same_route.headers.get("content-type")) == (
            unknown.status_code, unknown.content, unknown.headers.get("content-type"))

        # Someone else's media are not found through the API either.
        assert (await client.get(f"/api/v1/media/{media['id']}", headers=bob)).status_code == 404
        assert (await client.put(f"/api/v1/media/{media['id']}", headers=bob, data={"description": "x"})
                ).status_code == 404
        assert (await client.delete(f"/api/v1/media/{media['id']}", headers=bob)).status_code == 404
        assert (await client.get(f"/api/v1/media/{media['id']}")).status_code == 401


async def test_limits_and_refusals(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_MEDIA_MAX_IMAGE_BYTES="4096"))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))

        oversized = await upload(client, alice, noisy_png(64))
        assert oversized.status_code == 413 and "size" in oversized.json()["error"]
        huge_body = await upload(client, alice, os.urandom(2 * 1024 * 1024))
        assert huge_body.status_code == 413

        fake = await upload(client, alice, b"<html><script>alert(1)</script></html>")
        assert fake.status_code == 422 and "not a supported image" in fake.json()["error"]
        truncated = await upload(client, alice, jpeg(with_metadata=False)[:300])
        assert truncated.status_code == 422
        video = await client.post("/api/v2/media", headers=alice,
                                  files={"file": ("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")})
        assert video.status_code == 422 and "not" in video.json()["error"]
        missing = await client.post("/api/v2/media", headers=alice, data={"description": "x"})
        assert missing.status_code == 422
        long_description = await upload(client, alice, jpeg(with_metadata=False), description="x" * 1501)
        assert long_description.status_code == 422 and "1500" in long_description.json()["error"]
        bad_focus = await upload(client, alice, jpeg(with_metadata=False), focus="2,0")
        assert bad_focus.status_code == 422
        assert await stored_keys(app) == []  # nothing refused was kept


async def test_describe_refocus_and_delete(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        media = (await upload(client, alice)).json()

        updated = await client.put(f"/api/v1/media/{media['id']}", headers=alice,
                                   data={"description": "Now described", "focus": "-1,1"})

        assert updated.status_code == 200
        assert updated.json()["description"] == "Now described"
        assert updated.json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
        shown = await client.get(f"/api/v1/media/{media['id']}", headers=alice)
        assert shown.json() == updated.json()
        too_long = await client.put(f"/api/v1/media/{media['id']}", headers=alice, data={"description": "x" * 1501})
        assert too_long.status_code == 422

        deleted = await client.delete(f"/api/v1/media/{media['id']}", headers=alice)
        assert deleted.status_code == 200 and deleted.json() == {}
        assert (await client.get(media["url"].removeprefix("http://127.0.0.1:8000"))).status_code == 404
        token = media["url"].split("/")[-2]
        await run_removals(app)
        assert [key for key in await stored_keys(app) if f"/{token}/" in key] == []
        assert not (tmp_path / "data" / "media" / token).exists()


async def test_attach_to_a_status_and_find_it_in_only_media(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        first, second = (await upload(client, alice)).json(), (await upload(client, alice)).json()
        await posted(client, alice, status="no pictures")

        created = await posted(client, alice, **{"status": "two pictures", "media_ids[]": [second["id"], first["id"]]})

        assert created.status_code == 200, created.text
        status = created.json()
        assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
        assert status["media_attachments"][0]["url"] == second["url"]
        seen = (await client.get(f"/api/v1/statuses/{status['id']}", headers=bob)).json()
        assert [m["id"] for m in seen["media_attachments"]] == [second["id"], first["id"]]
        timeline = await client.get("/api/v1/timelines/public", headers=bob, params={"only_media": "true"})
        assert [s["id"] for s in timeline.json()] == [status["id"]]

        # Attached media can be read by their owner but not deleted or attached elsewhere.
        assert (await client.get(f"/api/v1/media/{first['id']}", headers=alice)).status_code == 200
        in_use = await client.delete(f"/api/v1/media/{first['id']}", headers=alice)
        assert in_use.status_code == 422 and "used by a status" in in_use.json()["error"]
        again = await posted(client, alice, **{"status": "reuse", "media_ids[]": [first["id"]]})
        assert again.status_code == 422 and "already attached" in again.json()["error"]

        # An edit may reorder or drop media; an edit without media_ids keeps them.
        edited = await client.put(f"/api/v1/statuses/{status['id']}", headers=alice,
                                  data={"status": "one picture", "media_ids[]": [first["id"]]})
        assert [m["id"] for m in edited.json()["media_attachments"]] == [first["id"]]
        text_only = await client.put(f"/api/v1/statuses/{status['id']}", headers=alice, json={"status": "text"})
        assert [m["id"] for m in text_only.json()["media_attachments"]] == [first["id"]]
        assert (await client.delete(f"/api/v1/media/{second['id']}", headers=alice)).status_code == 200


async def test_refused_attachments_leave_no_status(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        bob = bearer(await staff_token(app, "bob"))
        mine = [(await upload(client, alice, jpeg(with_metadata=False))).json()["id"] for _ in range(5)]
        theirs = (await upload(client, bob)).json()["id"]

        five = await posted(client, alice, **{"status": "five", "media_ids[]": mine})
        assert five.status_code == 422 and "more than 4" in five.json()["error"]
        foreign = await posted(client, alice, **{"status": "foreign", "media_ids[]": [mine[0], theirs]})
        assert foreign.status_code == 422 and theirs in foreign.json()["error"]
        missing = await posted(client, alice, **{"status": "missing", "media_ids[]": ["123456789"]})
        assert missing.status_code == 422
        both = await client.post("/api/v1/statuses", headers=alice, json={
            "status": "both", "media_ids": [mine[0]], "poll": {"options": ["a", "b"], "expires_in": 600}})
        assert both.status_code == 422 and "poll" in both.json()["error"]
        assert await statuses_of(app, "alice") == 0

        # Two posts racing for the same medium: one wins, the other leaves nothing behind.
        racing = await asyncio.gather(*(posted(client, alice, **{"status": f"race {i}", "media_ids[]": [mine[1]]})
                                        for i in range(2)))
        assert sorted(r.status_code for r in racing) == [200, 422]
        assert await statuses_of(app, "alice") == 1
