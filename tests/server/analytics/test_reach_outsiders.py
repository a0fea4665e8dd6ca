"""Reach counts staff only, our own posts only, and nothing at all when recording is off.

Given a published post (so outsiders may read it) and a remote post staff
can see; when outsiders read the published one (its public page, its
ActivityPub document, an app-only token) and staff read the remote one;
then nothing is recorded. With ``[analytics] record_reach = false``, staff
reading a post record nothing either.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from server.services.access_tokens import digest_token, new_token
from server.services.review_roles import Reviewer
from storage.models import NewStatus, RemoteProfile, Visibility
from tests.server.analytics.world import World, company
from tests.server.helpers import bearer

pytestmark = pytest.mark.anyio


async def views_of(world: World, status_id: int) -> int:
    """Every recorded view of the post, read from the table itself (the reports count local posts only)."""
    await world.flush()
    return (await world.state.storage.reach.reach_by_post([status_id])).get(status_id, 0)


async def published_post(world: World) -> tuple[int, str]:
    posted = await world.client.post("/api/v1/statuses", headers=world.tokens["ceo"],
                                     json={"status": "We are hiring", "visibility": "public"})
    status_id = int(posted.json()["id"])
    status = await world.state.services.review.publish(Reviewer.cli("tests"), status_id)
    assert status.uri is not None
    return status_id, urlsplit(status.uri).path


async def test_outsiders_reading_a_published_post_record_nothing(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        status_id, path = await published_post(world)
        app_token = new_token()
        await world.state.storage.tokens.create_access_token(digest_token(app_token), None, None, ["read"])

        page = await world.client.get(path, headers={"Accept": "text/html"})
        document = await world.client.get(path, headers={"Accept": "application/activity+json"})
        refused = await world.client.get("/api/v1/timelines/public", headers=bearer(app_token))
        assert page.status_code == 200
        assert "We are hiring" in page.text
        assert document.status_code == 200
        assert refused.status_code in (401, 403)
        assert await views_of(world, status_id) == 0
        # while a colleague reading it is reach
        await world.get("reader1", f"/api/v1/statuses/{status_id}")
        assert await views_of(world, status_id) == 1


async def test_a_remote_post_shown_to_staff_records_nothing(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        storage = world.state.storage
        partner = await storage.accounts.upsert_remote(RemoteProfile(
            uri="https://partner.example/users/pat", username="pat", domain="partner.example", actor_type="Person",
            inbox_url="https://partner.example/users/pat/inbox", shared_inbox_url="https://partner.example/inbox"))
        remote = await storage.statuses.create(NewStatus(
            account_id=partner.id, visibility=Visibility.PUBLIC, local=False, text="hello", content="<p>hello</p>",
            uri="https://partner.example/notes/1"))

        shown = await world.get("reader1", f"/api/v1/statuses/{remote.id}")
        assert shown.json()["id"] == str(remote.id)
        assert await views_of(world, remote.id) == 0


async def test_recording_switched_off_records_nothing(tmp_path: Path) -> None:
    async with company(tmp_path, INSIDEOUT_ANALYTICS_RECORD_REACH="false") as world:
        posted = await world.client.post("/api/v1/statuses", headers=world.tokens["ceo"],
                                         json={"status": "Quiet week", "visibility": "public"})
        status_id = int(posted.json()["id"])
        for reader in ("reader1", "reader2"):
            await world.get(reader, f"/api/v1/statuses/{status_id}")
        assert await views_of(world, status_id) == 0
        reach = await world.get("ceo", f"/api/v1/insideout/statuses/{status_id}/reach")
        assert reach.json()["reach"] == {"count": None, "fewer_than": 5}


async def test_views_still_buffered_are_written_when_the_server_stops(tmp_path: Path) -> None:
    async with company(tmp_path) as world:
        posted = await world.client.post("/api/v1/statuses", headers=world.tokens["ceo"],
                                         json={"status": "Last words", "visibility": "public"})
        status_id = int(posted.json()["id"])
        await world.get("reader1", f"/api/v1/statuses/{status_id}")
        recorder = world.state.services.reach
        storage = world.state.storage
        assert recorder.pending == 1
    # the lifespan ended: the buffer was written before the storage closed
    await storage.open()
    try:
        assert (await storage.reach.reach_by_post([status_id])) == {status_id: 1}
    finally:
        await storage.close()
