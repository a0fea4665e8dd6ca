"""A media store that fails: a clear 503 in Mastodon's shape, and nothing half-saved.

Given a server whose media store cannot be written (a bucket at an endpoint nobody answers, a
bucket that does not exist, a data directory where a file stands in the media folder's place);
when staff upload media, avatars and headers, through the API or the web app; then each answers
503 with ``{"error": ...}`` and leaves neither a row nor an object. Given a row whose object is
gone, the URL answers 404; given a store that cannot be read, 503: never a 500.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from server.media.store import PREFIXES
from server.media.stores import build_media_store
from server.signin.sessions import CSRF_FIELD
from storage.models import Page
from tests.server.api.partner import running
from tests.server.api.test_api_media import jpeg, upload
from tests.server.api.test_remote_media_proxy import (
    PHOTO,
    create_note,
    delivered_status,
    followed_by_staff,
    image,
    local_path,
    partner_with_bob,
)
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token
from tests.server.media_objects import media_store
from tests.server.web.staff_site import staff_site

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

UNAVAILABLE = {"error": "Media storage is unavailable; try again later"}
ORIGIN = "http://127.0.0.1:8000"


def nobody_listening() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return f"http://127.0.0.1:{port}"


def unwritable(store: str, tmp_path: Path, *, missing_bucket: bool = False) -> dict[str, str]:
    """Settings for a store that refuses every write (and read), on the store of the run."""
    if store == "s3":
        if missing_bucket:
            return {"INSIDEOUT_MEDIA_S3_BUCKET": "insideout-no-such-bucket"}
        return {"INSIDEOUT_MEDIA_S3_ENDPOINT": nobody_listening()}
    for folder in ("media", "accounts", "cache"):  # a file where the folder should be: no write gets through
        (tmp_path / "data").mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / folder).write_bytes(b"")
    return {}


async def keys_left(tmp_path: Path) -> list[str]:
    """What the store of this test holds, read through a healthy store at the same place."""
    store = build_media_store(settings_for(tmp_path))
    return sorted([info.key for prefix in PREFIXES async for info in store.keys(prefix)])


@pytest.mark.parametrize("missing_bucket", [False, True], ids=["unreachable", "missing-bucket"])
async def test_an_upload_the_store_refuses_is_a_503_with_no_row_and_no_object(
    on_each_media_store: str, tmp_path: Path, missing_bucket: bool
) -> None:
    if missing_bucket and on_each_media_store == "local":
        pytest.skip("a missing bucket is an S3 failure")
    app = app_for(settings_for(tmp_path, **unwritable(on_each_media_store, tmp_path, missing_bucket=missing_bucket)))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))

        refused = await upload(client, alice, description="never kept")
        avatar = await client.patch("/api/v1/accounts/update_credentials", headers=alice, data={"display_name": "A"},
                                    files={"avatar": ("me.png", jpeg(), "image/jpeg")})
        header = await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                    files={"header": ("h.jpg", jpeg(), "image/jpeg")})

        assert (refused.status_code, refused.json()) == (503, UNAVAILABLE)
        assert (avatar.status_code, avatar.json()) == (503, UNAVAILABLE)
        assert (header.status_code, header.json()) == (503, UNAVAILABLE)
        account = await app.state.insideout.storage.accounts.get_local("alice")
        assert await app.state.insideout.storage.media.uploaded_by(account.id, Page(limit=40)) == []
        assert not account.avatar_path
        assert not account.header_path
        assert account.display_name == ""
        me = (await client.get("/api/v1/accounts/verify_credentials", headers=alice)).json()
        assert me["avatar"].endswith("/avatars/original/missing.png")
    assert await keys_left(tmp_path) == []
    assert list((tmp_path / "data").rglob("*.part")) == []


async def test_the_web_apps_profile_image_the_store_refuses_is_a_503_page_and_nothing_saved(
    on_each_media_store: str, tmp_path: Path
) -> None:
    async with staff_site(tmp_path, **unwritable(on_each_media_store, tmp_path)) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.client.post("/settings/profile", data={CSRF_FIELD: await s.csrf(), "display_name": "Ann",
                                                                "intent": "save"},
                                     files={"avatar": ("me.jpg", jpeg(), "image/jpeg")})

        me = (await s.client.get("/api/v1/accounts/verify_credentials", headers=ann)).json()
        assert answer.status_code == 503
        assert "Media storage is unavailable" in answer.text
        assert me["display_name"] == ""
        assert me["avatar"].endswith("missing.png")
    assert await keys_left(tmp_path) == []


async def test_a_missing_object_is_404_and_a_store_that_cannot_be_read_is_503(
    on_each_media_store: str, tmp_path: Path
) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        lost, kept = (await upload(client, alice)).json(), (await upload(client, alice)).json()
        profile = (await client.patch("/api/v1/accounts/update_credentials", headers=alice,
                                      files={"avatar": ("me.jpg", jpeg(), "image/jpeg")})).json()
        lost_path = lost["url"].removeprefix(ORIGIN)
        await media_store(app).delete([lost_path.removeprefix("/"), profile["avatar"].split("/system/")[-1]])

        for method in ("GET", "HEAD"):
            gone = await client.request(method, lost_path)
            assert gone.status_code == 404, method
        assert (await client.get(lost_path)).json() == {"error": "Record not found"}
        assert (await client.get(profile["avatar"].removeprefix(ORIGIN))).status_code == 404
        assert (await client.get(kept["url"].removeprefix(ORIGIN))).status_code == 200

        kept_path = kept["url"].removeprefix(ORIGIN)
        if on_each_media_store == "local":  # a file where the token's folder was: the disk cannot be read there
            folder = tmp_path / "data" / "media" / kept_path.split("/")[2]
            shutil.rmtree(folder)
            folder.write_bytes(b"")
            unreadable = await client.get(kept_path)
        else:  # the same rows, served by a process whose bucket does not answer
            broken = app_for(settings_for(tmp_path, INSIDEOUT_MEDIA_S3_ENDPOINT=nobody_listening()))
            async with serving(broken) as other:
                unreadable = await other.get(kept_path)
        assert (unreadable.status_code, unreadable.json()) == (503, UNAVAILABLE)


async def test_a_remote_file_the_store_refuses_is_a_503_and_fetched_again_later(
    on_each_media_store: str, tmp_path: Path
) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner, **unwritable(on_each_media_store, tmp_path)) as world:
        token = await followed_by_staff(world)
        status = await delivered_status(world, token, create_note(1, [image(PHOTO)]))
        url = local_path(status["media_attachments"][0]["url"])

        answer = await world.client.get(url)

        assert (answer.status_code, answer.json()) == (503, UNAVAILABLE)
        row = await world.state.storage.remote_files.get(url.split("/")[-2])
        assert row is not None
        assert row.state.value == "pending"
        assert "MediaStoreUnavailable" in (row.last_error or "")
    assert await keys_left(tmp_path) == []
    assert partner.hits(PHOTO) == 1
