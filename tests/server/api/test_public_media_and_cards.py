"""Published media get their own public URL; link previews are fetched only where the link is already outside.

Given staff posting images and links; when a post is published, retracted,
or stays internal; then the Note names only ``/media/public/`` URLs (410
after retraction, while the staff's capability URL keeps working), and a
preview card is fetched by the worker for published and remote posts but
never, not even one request, for an internal post.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from federation.guard import LeakPrevented
from storage.models import FollowState
from tests.federation.inbound_helpers import BASE_URL
from tests.server.api.partner import SECRET, Partner, Running, jpeg_with_exif, running
from tests.server.api.test_remote_media_proxy import (
    BOB,
    KEY_ID,
    create_note,
    followed_by_staff,
    local_path,
    partner_with_bob,
)
from tests.server.helpers import bearer, staff_token

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

AP = "application/activity+json"
STORY = "https://news.example/2024/story"
STORY_IMAGE = "https://news.example/img/story.jpg"
STORY_HTML = """<!doctype html><html lang="en-GB"><head>
<title>Plain title</title>
<meta property="og:title" content="Big &amp; important story">
<meta property="og:description" content="What happened, in one line.">
<meta property="og:site_name" content="News Example">
<meta property="og:image" content="/img/story.jpg">
<meta name="author" content="Jo Reporter">
</head><body><script>alert(1)</script></body></html>"""


def news_partner(partner: Partner | None = None) -> Partner:
    partner = partner or Partner()
    partner.file(STORY, STORY_HTML.encode(), "text/html; charset=utf-8")
    partner.file(STORY_IMAGE, jpeg_with_exif(120, 80), "image/jpeg")
    return partner


async def post_status(world: Running, token: str, **form: Any) -> dict[str, Any]:
    response = await world.client.post("/api/v1/statuses", headers=bearer(token), data=form)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def upload(world: Running, token: str) -> dict[str, Any]:
    files = {"file": ("photo.jpg", jpeg_with_exif(), "image/jpeg")}
    response = await world.client.post("/api/v2/media", headers=bearer(token), files=files,
                                       data={"description": "Team photo"})
    assert response.status_code == 200, response.text
    media: dict[str, Any] = response.json()
    return media


async def show(world: Running, token: str, status_id: str) -> dict[str, Any]:
    response = await world.client.get(f"/api/v1/statuses/{status_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def note_of(world: Running, status_id: str) -> dict[str, Any]:
    status = await world.state.storage.statuses.get(int(status_id))
    response = await world.client.get(local_path(status.uri), headers={"Accept": AP})
    assert response.status_code == 200, response.text
    note: dict[str, Any] = response.json()
    return note


async def test_a_published_posts_note_names_public_media_urls_never_capability_urls(tmp_path: Path) -> None:
    async with running(tmp_path, Partner()) as world:
        token = await staff_token(world.app, "alice")
        media = await upload(world, token)
        status = await post_status(world, token, status="Our team", visibility="public", **{"media_ids[]": media["id"]})

        await world.state.services.publication.publish(int(status["id"]), by="test")
        note = await note_of(world, status["id"])

        attachment = note["attachment"][0]
        capability = media["url"].split("/")[-2]
        assert attachment["url"].startswith(f"{BASE_URL}/media/public/") and capability not in str(note)
        assert attachment["mediaType"] == "image/jpeg" and attachment["name"] == "Team photo"
        assert attachment["width"] == 80 and attachment["height"] == 60 and attachment["blurhash"]
        served = await world.client.get(local_path(attachment["url"]))
        assert served.status_code == 200 and SECRET.encode() not in served.content
        assert await world.state.services.boundary.is_public_url(attachment["url"])
        assert not await world.state.services.boundary.is_public_url(media["url"])
        # The delivery guard lets the Note out, and would stop it if it named the capability URL.
        alice = await world.state.storage.accounts.get_local("alice")
        create = {"type": "Create", "actor": note["attributedTo"], "object": note}
        await world.state.services.guard.check(create, alice)
        leaky = {**create, "object": {**note, "attachment": [{**attachment, "url": media["url"]}]}}
        with pytest.raises(LeakPrevented):
            await world.state.services.guard.check(leaky, alice)


async def test_retraction_makes_the_public_url_gone_while_staff_keep_the_capability_url(tmp_path: Path) -> None:
    async with running(tmp_path, Partner()) as world:
        token = await staff_token(world.app, "alice")
        media = await upload(world, token)
        status = await post_status(world, token, status="Oops", visibility="public", **{"media_ids[]": media["id"]})
        await world.state.services.publication.publish(int(status["id"]), by="test")
        public_url = (await note_of(world, status["id"]))["attachment"][0]["url"]

        await world.state.services.publication.unpublish(int(status["id"]), by="test", reason="wrong photo")

        gone = await world.client.get(local_path(public_url))
        assert gone.status_code == 410
        assert not await world.state.services.boundary.is_public_url(public_url)
        assert (await world.client.get(local_path(media["url"]))).status_code == 200
        never = await world.client.get("/media/public/" + "B" * 32 + "/original.jpg")
        assert never.status_code == 404


async def test_an_internal_post_with_a_link_causes_no_outbound_request_and_has_no_card(tmp_path: Path) -> None:
    partner = news_partner()
    async with running(tmp_path, partner) as world:
        token = await staff_token(world.app, "alice")
        status = await post_status(world, token, status=f"Internal only: {STORY}", visibility="public")

        handled = await world.card_worker().run_once()
        shown = await show(world, token, status["id"])

        assert handled == 0 and partner.requests == []
        assert status["card"] is None and shown["card"] is None
        assert await world.state.storage.cards.get_fetch(int(status["id"])) is None


async def test_a_published_post_gets_its_card_from_the_worker_with_a_proxied_image(tmp_path: Path) -> None:
    partner = news_partner()
    async with running(tmp_path, partner) as world:
        token = await staff_token(world.app, "alice")
        status = await post_status(world, token, status=f"Read this: {STORY}", visibility="public")
        assert partner.requests == []

        await world.state.services.publication.publish(int(status["id"]), by="test")
        before = await show(world, token, status["id"])
        handled = await world.card_worker().run_once()
        card = (await show(world, token, status["id"]))["card"]

        assert before["card"] is None and handled == 1
        assert card["url"] == STORY and card["title"] == "Big & important story"
        assert card["description"] == "What happened, in one line." and card["provider_name"] == "News Example"
        assert card["provider_url"] == "https://news.example" and card["author_name"] == "Jo Reporter"
        assert card["type"] == "link" and card["html"] == "" and card["language"] == "en"
        assert card["image"].startswith(f"{BASE_URL}/media/proxy/") and card["blurhash"]
        assert card["width"] == 120 and card["height"] == 80
        image = await world.client.get(local_path(card["image"]))
        assert image.status_code == 200 and partner.hits(STORY) == 1 and partner.hits(STORY_IMAGE) == 1


async def test_a_post_retracted_before_the_worker_runs_is_not_fetched(tmp_path: Path) -> None:
    partner = news_partner()
    async with running(tmp_path, partner) as world:
        token = await staff_token(world.app, "alice")
        status = await post_status(world, token, status=f"Read this: {STORY}", visibility="public")
        await world.state.services.publication.publish(int(status["id"]), by="test")
        await world.state.services.publication.unpublish(int(status["id"]), by="test")

        await world.card_worker().run_once()

        assert partner.hits(STORY) == 0
        assert (await show(world, token, status["id"]))["card"] is None


async def test_a_remote_post_with_a_link_gets_a_card(tmp_path: Path) -> None:
    partner = news_partner(partner_with_bob())
    async with running(tmp_path, partner) as world:
        token = await followed_by_staff(world)
        content = (f'<p><a href="{BASE_URL}/@alice" class="u-url mention">@alice</a> '
                   f'<a href="https://remote.example/tags/news" class="mention hashtag" rel="tag">#news</a> '
                   f'<a href="{STORY}">story</a></p>')
        note = await world.deliver(create_note(10, [], content=content), KEY_ID)
        assert note is not None and note.startswith("stored status")

        await world.card_worker().run_once()

        status_id = note.rsplit(" ", 1)[1]
        card = (await show(world, token, status_id))["card"]
        assert card is not None and card["url"] == STORY
        assert partner.hits(STORY) == 1 and not any(BASE_URL in url for url in partner.urls())


async def test_a_page_that_is_not_html_makes_no_card_and_is_not_retried(tmp_path: Path) -> None:
    partner = Partner()
    partner.file(STORY, b"\x89PNG...", "image/png")
    async with running(tmp_path, partner) as world:
        token = await staff_token(world.app, "alice")
        status = await post_status(world, token, status=f"Read this: {STORY}", visibility="public")
        await world.state.services.publication.publish(int(status["id"]), by="test")

        await world.card_worker().run_once()
        await world.card_worker().run_once()

        fetch = await world.state.storage.cards.get_fetch(int(status["id"]))
        assert fetch is not None and fetch.state.value == "failed" and partner.hits(STORY) == 1
        assert (await show(world, token, status["id"]))["card"] is None


async def test_a_remote_direct_message_with_a_link_is_not_previewed(tmp_path: Path) -> None:
    partner = news_partner(partner_with_bob())
    async with running(tmp_path, partner) as world:
        await followed_by_staff(world)
        alice = await world.state.storage.accounts.get_local("alice")
        bob = await world.state.storage.accounts.get_by_uri(BOB)
        assert (await world.state.storage.follows.get(alice.id, bob.id)).state is FollowState.ACCEPTED
        activity = create_note(11, [], content=f'<p><a href="{STORY}">story</a></p>')
        activity["object"]["to"] = [f"{BASE_URL}/users/alice"]
        activity["object"]["cc"] = []
        activity["object"]["tag"] = [{"type": "Mention", "href": f"{BASE_URL}/users/alice"}]
        stored = await world.deliver(activity, KEY_ID)

        await world.card_worker().run_once()

        assert stored is not None and stored.startswith("stored status")
        assert partner.hits(STORY) == 0
