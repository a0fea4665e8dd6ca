"""Delete-and-redraft with Mastodon.py against a live server: the media a redraft takes back stay.

Given an employee who posted an image; when the client deletes the post and posts its text again with
the same media (``status_delete`` hands both back); then the media queue's worker, even a day later,
leaves the image in place; and deleting the redraft with ``delete_media`` removes it at once. On the
local store and on an S3 bucket.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
import pytest
import requests
from PIL import Image

from server.config import Settings
from server.media.stores import build_media_store
from server.services.media_removals import MediaDeletionWorker
from storage import open_storage
from storage.clock import utcnow
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.mastodon_clients import employees, signed_in

pytestmark = pytest.mark.usefixtures("on_each_media_store")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return employees("alice")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 128, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def run_deletions(settings: Settings, after: timedelta = timedelta(0)) -> int:
    """One run of the media queue's worker (the live server runs none), as if ``after`` had passed."""
    def clock() -> datetime:
        return utcnow() + after

    async def run() -> int:
        storage = open_storage(settings.storage.database)
        await storage.open()
        try:
            return await MediaDeletionWorker(storage, build_media_store(settings), clock=clock).run_once()
        finally:
            await storage.close()

    return asyncio.run(run())


def test_a_redraft_keeps_its_media_and_delete_media_removes_them(
    live_server: LiveServer, session: requests.Session
) -> None:
    alice = signed_in(live_server, session, "alice")
    media = alice.media_post(png(), mime_type="image/png", description="Blue")
    status = alice.status_post("First try", media_ids=[media])

    deleted = alice.status_delete(status)
    redraft = alice.status_post(deleted["text"], media_ids=deleted["media_attachments"])

    assert [m["id"] for m in redraft["media_attachments"]] == [media["id"]]
    assert run_deletions(live_server.settings, timedelta(hours=25)) == 2
    assert httpx.get(media["url"]).status_code == 200
    assert httpx.get(media["preview_url"]).status_code == 200

    alice.status_delete(redraft, delete_media=True)

    assert run_deletions(live_server.settings) == 2
    assert httpx.get(media["url"]).status_code == 404
    assert httpx.get(media["preview_url"]).status_code == 404
