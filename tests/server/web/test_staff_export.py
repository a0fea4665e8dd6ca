"""Exporting one's own data from the web app: posts, follows, bookmarks and uploaded images, as downloads.

Given employees who post in every audience, follow, bookmark and upload;
when one downloads each export; then it holds all of their own data and
nothing of anyone else's, paged through however long it is, and is
offered as a file to save.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.server.api.test_media_store_failures import nobody_listening
from tests.server.media_objects import media_store
from tests.server.web.staff_site import StaffSite, staff_site

pytestmark = pytest.mark.anyio


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "PNG")
    return buffer.getvalue()


async def upload(s: StaffSite, headers: dict[str, str], colour: tuple[int, int, int], description: str) -> str:
    answer = await s.client.post("/api/v2/media", headers=headers, data={"description": description},
                                 files={"file": ("image.png", png(colour), "image/png")})
    assert answer.status_code in (200, 202), answer.text
    media_id: str = answer.json()["id"]
    return media_id


def attachment(answer: object, name: str) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert headers["content-disposition"] == f'attachment; filename="{name}"'


async def test_posts_are_all_of_ones_own_in_every_audience_and_nobody_elses(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        alice = await s.employee("alice")
        await s.employee("carol")
        mine = [await s.post(bob, f"public {n}") for n in range(45)]
        mine.append(await s.post(bob, "followers only", visibility="private"))
        mine.append(await s.post(bob, "@carol just you", visibility="direct"))
        mine.append(await s.post(bob, "quiet", visibility="unlisted"))
        hers = await s.post(alice, "not bob's")
        boosted = await s.client.post(f"/api/v1/statuses/{hers}/reblog", headers=bob)
        assert boosted.status_code == 200
        await s.sign_in("bob")

        answer = await s.client.get("/settings/export/posts.json")

        attachment(answer, "bob-posts.json")
        assert answer.headers["content-type"].startswith("application/json")
        exported = json.loads(answer.text)
        assert [p["id"] for p in exported] == list(reversed(mine))
        assert {p["account"]["username"] for p in exported} == {"bob"}
        assert {p["visibility"] for p in exported} == {"public", "private", "direct", "unlisted"}
        assert "not bob's" not in answer.text


async def test_follows_are_mastodons_csv_and_bookmarks_are_post_addresses(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        alice = await s.employee("alice")
        names = [f"p{n}" for n in range(45)]
        for name in names:
            await s.employee(name)
            account = await s.account(name)
            assert (await s.client.post(f"/api/v1/accounts/{account.id}/follow", headers=bob)).status_code == 200
        alice_account = await s.account("alice")
        await s.client.post(f"/api/v1/accounts/{alice_account.id}/follow", headers=bob,
                            json={"reblogs": False, "notify": True})
        # alice's own follow is hers, not bob's
        await s.client.post(f"/api/v1/accounts/{(await s.account('p1')).id}/follow", headers=alice)
        posts = [await s.post(alice, f"bookmark me {n}") for n in range(3)]
        for post in posts[:2]:
            assert (await s.client.post(f"/api/v1/statuses/{post}/bookmark", headers=bob)).status_code == 200
        await s.client.post(f"/api/v1/statuses/{posts[2]}/bookmark", headers=alice)
        await s.sign_in("bob")

        follows = await s.client.get("/settings/export/following_accounts.csv")
        attachment(follows, "bob-following_accounts.csv")
        assert follows.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(follows.text)))
        assert rows[0] == ["Account address", "Show boosts", "Notify on new posts", "Languages"]
        domain = s.state.settings.domain
        assert sorted(r[0] for r in rows[1:]) == sorted(f"{n}@{domain}" for n in [*names, "alice"])
        assert [f"alice@{domain}", "false", "true", ""] in rows

        marks = await s.client.get("/settings/export/bookmarks.csv")
        attachment(marks, "bob-bookmarks.csv")
        lines = marks.text.splitlines()
        entities = [(await s.client.get(f"/api/v1/statuses/{p}", headers=bob)).json() for p in posts]
        assert lines == [entities[1]["uri"], entities[0]["uri"]]


@pytest.mark.usefixtures("on_each_media_store")
async def test_media_are_a_zip_of_ones_own_originals_with_their_listing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        alice = await s.employee("alice")
        red = await upload(s, bob, (255, 0, 0), "red square")
        blue = await upload(s, bob, (0, 0, 255), "blue square")
        posted = await s.client.post("/api/v1/statuses", headers=bob, json={"status": "pics", "media_ids": [blue]})
        assert posted.status_code == 200
        await upload(s, alice, (0, 255, 0), "alice's green")
        await s.sign_in("bob")

        answer = await s.client.get("/settings/export/media.zip")

        attachment(answer, "bob-media.zip")
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        listing = json.loads(archive.read("media.json"))
        assert [m["id"] for m in listing] == [blue, red]
        assert [m["description"] for m in listing] == ["blue square", "red square"]
        assert listing[0]["status_id"] == posted.json()["id"]
        assert listing[1]["status_id"] is None
        assert sorted(archive.namelist()) == sorted(["media.json", *(m["file"] for m in listing)])
        first = Image.open(io.BytesIO(archive.read(listing[1]["file"]))).convert("RGB")
        assert first.getpixel((0, 0)) == (255, 0, 0)
        assert b"alice's green" not in answer.content


@pytest.mark.usefixtures("on_each_media_store")
async def test_an_upload_whose_object_is_gone_is_listed_as_missing_not_left_out(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        red = await upload(s, bob, (255, 0, 0), "red square")
        gone = await upload(s, bob, (0, 0, 255), "lost square")
        lost = await s.app.state.insideout.storage.media.get(int(gone))
        await media_store(s.app).delete([f"media/{lost.capability_token}/{lost.file_name}"])
        await s.sign_in("bob")

        answer = await s.client.get("/settings/export/media.zip")

        attachment(answer, "bob-media.zip")
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert archive.testzip() is None
        listing = json.loads(archive.read("media.json"))
        assert [m["id"] for m in listing] == [gone, red]
        assert listing[0]["missing"] is True and listing[0]["file"] is None
        assert listing[0]["description"] == "lost square"
        assert "missing" not in listing[1] and listing[1]["file"] == f"media/{red}.png"
        assert sorted(archive.namelist()) == ["media.json", f"media/{red}.png"]


@pytest.mark.usefixtures("on_each_media_store")
async def test_a_store_that_does_not_answer_is_a_503_page_before_any_of_the_zip(
    on_each_media_store: str, tmp_path: Path
) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        kept = await upload(s, bob, (255, 0, 0), "red square")
        media = await s.app.state.insideout.storage.media.get(int(kept))
    if on_each_media_store == "local":  # a file where the upload's folder was: the disk cannot be read there
        folder = tmp_path / "data" / "media" / media.capability_token
        shutil.rmtree(folder)
        folder.write_bytes(b"")
        environ: dict[str, str] = {}
    else:  # the same rows, served by a process whose bucket does not answer
        environ = {"INSIDEOUT_MEDIA_S3_ENDPOINT": nobody_listening()}
    async with staff_site(tmp_path, **environ) as s:
        await s.sign_in("bob")

        answer = await s.client.get("/settings/export/media.zip")

        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in answer.headers
        assert "Media storage is unavailable" in answer.text


async def test_an_object_the_store_fails_to_give_once_sending_is_listed_and_the_zip_stays_whole(
    tmp_path: Path
) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        red = await upload(s, bob, (255, 0, 0), "red square")
        odd = await upload(s, bob, (0, 0, 255), "unreadable square")
        media = await s.app.state.insideout.storage.media.get(int(odd))
        # On the local store a directory where the file was has a size, so the check before the first
        # byte passes, but it cannot be read: a failure that only shows once the ZIP is being sent.
        original = tmp_path / "data" / "media" / media.capability_token / media.file_name
        original.unlink()
        original.mkdir()
        await s.sign_in("bob")

        answer = await s.client.get("/settings/export/media.zip")

        attachment(answer, "bob-media.zip")
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert archive.testzip() is None
        listing = json.loads(archive.read("media.json"))
        assert [(m["id"], m.get("unavailable"), m["file"]) for m in listing] == [
            (odd, True, None), (red, None, f"media/{red}.png")]
        assert sorted(archive.namelist()) == ["media.json", f"media/{red}.png"]


async def test_the_export_page_links_each_download_and_outsiders_get_none(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        for path in ("posts.json", "following_accounts.csv", "bookmarks.csv", "media.zip"):
            outside = await s.client.get(f"/settings/export/{path}")
            assert outside.status_code == 303
            assert outside.headers["location"].startswith("/auth/sign_in")
        await s.sign_in("bob")
        page = await s.client.get("/settings/export")
        for path in ("posts.json", "following_accounts.csv", "bookmarks.csv", "media.zip"):
            assert f'href="/settings/export/{path}" download' in page.text
