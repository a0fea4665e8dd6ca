"""A deleted status's media leave the media store: at once with ``delete_media``, else after a day for a redraft.

Given staff who post images; when they delete a post (``DELETE /api/v1/statuses/:id``, Mastodon's
``delete_media``); then its files and media rows are removed by the media queue's worker, right away or
24 hours later, unless a redraft took the media back. A retracted post keeps its media. On every store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.services.media_removals import MediaDeletionWorker
from storage.clock import utcnow
from tests.server.api.test_api_media import jpeg, upload
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token
from tests.server.media_objects import media_store, stored_keys

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]


@dataclass
class World:
    app: Starlette
    client: httpx.AsyncClient
    alice: dict[str, str]

    async def post_with_image(self, text: str = "With a photo") -> tuple[dict[str, Any], dict[str, Any]]:
        uploaded = await upload(self.client, self.alice, jpeg())
        assert uploaded.status_code == 200, uploaded.text
        media = uploaded.json()
        posted = await self.client.post("/api/v1/statuses", headers=self.alice,
                                        data={"status": text, "media_ids[]": media["id"]})
        assert posted.status_code == 200, posted.text
        return posted.json(), media

    async def delete(self, status_id: str, **params: str) -> httpx.Response:
        return await self.client.delete(f"/api/v1/statuses/{status_id}", headers=self.alice, params=params)

    async def run_deletions(self, after: timedelta = timedelta(0)) -> int:
        """One run of the media queue's deletion worker, as if ``after`` had passed."""
        def clock() -> datetime:
            return utcnow() + after

        worker = MediaDeletionWorker(self.app.state.insideout.storage, media_store(self.app), clock=clock)
        return await worker.run_once()

    async def fetch(self, url: str) -> int:
        return (await self.client.get(url.removeprefix("http://127.0.0.1:8000"))).status_code


@asynccontextmanager
async def world(tmp_path: Path) -> AsyncIterator[World]:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        yield World(app, client, bearer(await staff_token(app, "alice")))


def keys_of(media: dict[str, Any]) -> list[str]:
    token = media["url"].split("/")[-2]
    return sorted(f"media/{token}/{url.rsplit('/', 1)[1]}" for url in (media["url"], media["preview_url"]))


async def test_delete_media_removes_the_files_and_the_medium_right_away(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()
        assert await stored_keys(w.app) == keys_of(media)

        deleted = await w.delete(status["id"], delete_media="true")

        assert deleted.status_code == 200, deleted.text
        assert await w.run_deletions() == 2
        assert await stored_keys(w.app) == []
        assert await w.fetch(media["url"]) == 404
        assert (await w.client.get(f"/api/v1/media/{media['id']}", headers=w.alice)).status_code == 404
        assert await w.app.state.insideout.storage.media.get(int(media["id"])) is None


async def test_without_delete_media_the_files_wait_a_day_for_a_redraft(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()

        deleted = await w.delete(status["id"])

        assert deleted.status_code == 200
        assert [m["id"] for m in deleted.json()["media_attachments"]] == [media["id"]]
        assert await w.run_deletions() == 0
        assert await w.run_deletions(timedelta(hours=23)) == 0
        assert await stored_keys(w.app) == keys_of(media)
        assert await w.fetch(media["url"]) == 200
        assert await w.run_deletions(timedelta(hours=24, minutes=1)) == 2
        assert await stored_keys(w.app) == []
        assert await w.app.state.insideout.storage.media.get(int(media["id"])) is None


async def test_a_redraft_keeps_the_media_it_took_back(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image("First draft")
        deleted = (await w.delete(status["id"])).json()

        # Delete-and-redraft: the client posts the text again with the same media.
        redraft = await w.client.post("/api/v1/statuses", headers=w.alice, data={
            "status": deleted["text"], "media_ids[]": [m["id"] for m in deleted["media_attachments"]]})
        assert redraft.status_code == 200, redraft.text
        assert await w.run_deletions(timedelta(hours=25)) == 2

        assert await stored_keys(w.app) == keys_of(media)
        assert await w.fetch(media["url"]) == 200
        shown = await w.client.get(f"/api/v1/statuses/{redraft.json()['id']}", headers=w.alice)
        assert [m["url"] for m in shown.json()["media_attachments"]] == [media["url"]]
        assert await w.app.state.insideout.storage.media_deletions.get(keys_of(media)[0]) is None

        # Deleting the redraft for good removes them after all.
        assert (await w.delete(redraft.json()["id"], delete_media="1")).status_code == 200
        assert await w.run_deletions() == 2
        assert await stored_keys(w.app) == []


async def test_an_edit_that_dropped_a_medium_does_not_leave_it_behind(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()
        edited = await w.client.put(f"/api/v1/statuses/{status['id']}", headers=w.alice,
                                    json={"status": "No photo after all", "media_ids": []})
        assert edited.status_code == 200, edited.text
        assert edited.json()["media_attachments"] == []

        assert (await w.delete(status["id"], delete_media="true")).status_code == 200

        assert await w.run_deletions() == 2
        assert await stored_keys(w.app) == []


async def test_a_retracted_post_keeps_its_media(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()
        publication = w.app.state.insideout.services.publication
        await publication.publish(int(status["id"]), by="test")
        await publication.unpublish(int(status["id"]), by="test", reason="wrong photo")

        assert await w.run_deletions(timedelta(days=30)) == 0

        assert await stored_keys(w.app) == keys_of(media)
        assert await w.fetch(media["url"]) == 200


async def test_a_deleted_published_posts_public_media_go_with_its_files(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()
        await w.app.state.insideout.services.publication.publish(int(status["id"]), by="test")
        stored = await w.app.state.insideout.storage.media.get(int(media["id"]))
        assert stored is not None and stored.public_token is not None
        public = f"/media/public/{stored.public_token}/{stored.file_name}"
        assert (await w.client.get(public)).status_code == 200

        assert (await w.delete(status["id"])).status_code == 200

        # Retracted by the deletion: gone while the files wait for a redraft; then as a URL never issued.
        assert (await w.client.get(public)).status_code == 410
        assert await w.run_deletions(timedelta(hours=25)) == 2
        assert await stored_keys(w.app) == []
        assert (await w.client.get(public)).status_code == 404


async def test_an_unreadable_delete_media_is_refused_and_deletes_nothing(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        status, media = await w.post_with_image()

        refused = await w.client.request("DELETE", f"/api/v1/statuses/{status['id']}", headers=w.alice,
                                         json={"delete_media": {"now": True}})

        assert refused.status_code == 400
        assert refused.json() == {"error": "delete_media must be a boolean"}
        assert (await w.client.get(f"/api/v1/statuses/{status['id']}", headers=w.alice)).status_code == 200
        assert await w.run_deletions(timedelta(days=2)) == 0
        assert await stored_keys(w.app) == keys_of(media)
