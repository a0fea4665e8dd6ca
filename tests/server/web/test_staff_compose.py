"""Posting from the web app: the compose box, what it posts, and how it answers bad input.

Given a signed-in employee; when they post text, an image with alt text, a
poll, a reply, a scheduled post, a proposal for outside, or as the company;
then the post is exactly what the API answers for it afterwards. Refused
input comes back in the form with the message next to its field, the
input kept, and nothing saved.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from server.signin.sessions import CSRF_FIELD
from storage.models import AccountKind
from tests.server.web.staff_site import StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (32, 24), (0, 128, 255, 128)).save(buffer, "PNG")
    return buffer.getvalue()


async def posts_of(s: StaffSite, headers: dict[str, str], username: str) -> list[dict[str, Any]]:
    """What the API says the account posted, newest first (read with ``headers``' token)."""
    account = await s.account(username)
    answer = await s.client.get(f"/api/v1/accounts/{account.id}/statuses", headers=headers)
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


async def upload(s: StaffSite, path: str, files: dict[str, tuple[str, bytes, str]], **fields: str) -> Any:
    return await s.client.post(path, data={CSRF_FIELD: await s.csrf(), **fields}, files=files)


async def test_a_post_from_the_compose_box_is_the_post_the_api_shows(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.compose("Hello from the browser #launch", spoiler_text="news", visibility="unlisted",
                                 language="fr")
        assert answer.status_code == 303 and answer.headers["location"] == "/home?notice=posted"
        [post] = await posts_of(s, bob, "bob")
        assert post["spoiler_text"] == "news" and post["visibility"] == "unlisted" and post["language"] == "fr"
        assert "Hello from the browser" in post["content"] and post["tags"][0]["name"] == "launch"
        home = await s.client.get("/home?notice=posted")
        assert "Posted." in home.text and post["id"] in home.text


async def test_an_image_with_its_alt_text_keeps_its_format(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await upload(s, "/compose", {"file": ("chart.png", png(), "image/png")}, status="Our chart",
                              description="A blue square", back="/home")
        assert answer.status_code == 303, answer.text
        [post] = await posts_of(s, bob, "bob")
        [media] = post["media_attachments"]
        assert media["description"] == "A blue square" and media["url"].endswith(".png")
        page = await s.client.get(f"/@bob/{post['id']}")
        assert 'alt="A blue square"' in page.text


async def test_a_required_alt_text_is_asked_for_next_to_the_field(tmp_path: Path) -> None:
    async with staff_site(tmp_path, INSIDEOUT_MEDIA_REQUIRE_ALT_TEXT="true") as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await upload(s, "/compose", {"file": ("chart.png", png(), "image/png")}, status="KEEP-THIS",
                              back="/home")
        assert answer.status_code == 422
        assert field_error(answer.text, "description") == "Describe the image for people who cannot see it."
        assert ">KEEP-THIS</textarea>" in answer.text and 'aria-invalid="true"' in answer.text
        assert await posts_of(s, bob, "bob") == []


async def test_a_bad_upload_is_refused_next_to_the_file_and_nothing_is_posted(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await upload(s, "/compose", {"file": ("x.png", b"not an image at all", "image/png")},
                              status="KEEP-THIS", description="alt", back="/home")
        assert answer.status_code == 422
        assert field_error(answer.text, "file") is not None and ">KEEP-THIS</textarea>" in answer.text
        assert await posts_of(s, bob, "bob") == []


async def test_an_empty_or_too_long_post_is_refused_with_the_input_kept(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        empty = await s.compose("   ", spoiler_text="KEPT-CW")
        assert empty.status_code == 422 and field_error(empty.text, "status") is not None
        assert 'value="KEPT-CW"' in empty.text
        long = await s.compose("x" * 501)
        assert long.status_code == 422 and "character limit of 500" in (field_error(long.text, "status") or "")
        assert "x" * 501 in long.text
        assert await posts_of(s, bob, "bob") == []


async def test_a_stale_form_keeps_the_text_and_posts_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.client.post("/compose", data={CSRF_FIELD: "stale", "status": "MY-LONG-TEXT", "back": "/home"})
        assert answer.status_code == 403 and "expired" in (field_error(answer.text, "form") or "")
        assert ">MY-LONG-TEXT</textarea>" in answer.text
        assert await posts_of(s, bob, "bob") == []


async def test_a_reply_to_a_post_deleted_meanwhile_says_so_and_keeps_the_reply(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        parent = await s.post(alice, "Soon gone")
        await s.sign_in("bob")
        thread = await s.client.get(f"/@alice/{parent}")
        assert 'name="in_reply_to_id"' in thread.text and "@alice " in thread.text
        assert (await s.client.delete(f"/api/v1/statuses/{parent}", headers=alice)).status_code == 200
        answer = await s.compose("MY-REPLY", back=f"/@alice/{parent}", in_reply_to_id=parent)
        assert answer.status_code == 404 and ">MY-REPLY</textarea>" in answer.text
        assert field_error(answer.text, "status") is not None
        assert await posts_of(s, bob, "bob") == []


async def test_a_reply_lands_in_the_thread(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        parent = await s.post(alice, "Question?")
        await s.sign_in("bob")
        answer = await s.compose("@alice Answer!", back=f"/@alice/{parent}", in_reply_to_id=parent)
        [reply] = await posts_of(s, bob, "bob")
        assert answer.headers["location"] == f"/@alice/{parent}?notice=posted#status-{reply['id']}"
        assert reply["in_reply_to_id"] == parent
        thread = await s.client.get(f"/@alice/{parent}")
        assert thread.text.index(f'id="status-{parent}"') < thread.text.index(f'id="status-{reply["id"]}"')


async def test_proposing_for_outside_adds_the_hashtag_and_nominates(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        await s.compose("Worth sharing", propose="1")
        [post] = await posts_of(s, bob, "bob")
        assert [t["name"] for t in post["tags"]] == ["outside"]
        item = await s.state.storage.review.open_for(int(post["id"]))
        assert item is not None
        home = await s.client.get("/home")
        assert 'data-stance="nominated"' in home.text and "waiting for review" in home.text


async def test_a_poll_and_a_vote(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.employee("carol")
        await s.sign_in("bob")
        await s.client.post("/compose", data={
            CSRF_FIELD: await s.csrf(), "status": "Lunch?", "back": "/home", "poll[options][]": ["Pizza", "Soup", ""],
            "poll[expires_in]": "3600"})
        [post] = await posts_of(s, bob, "bob")
        assert [o["title"] for o in post["poll"]["options"]] == ["Pizza", "Soup"]
        s.sign_out_locally()
        await s.sign_in("carol")
        vote = await s.submit(f"/polls/{post['poll']['id']}/vote", back="/public/local", **{"choices[]": "1"})
        assert vote.status_code == 303
        page = await s.client.get(f"/@bob/{post['id']}")
        assert "Soup: 1 (your vote)" in page.text
        again = await s.submit(f"/polls/{post['poll']['id']}/vote", back="/public/local", **{"choices[]": "0"})
        assert again.status_code == 422 and "already voted" in again.text


async def test_a_scheduled_post_waits(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.compose("Later", scheduled_at="2099-01-31T09:00")
        assert answer.headers["location"] == "/home?notice=scheduled"
        assert await posts_of(s, bob, "bob") == []
        scheduled = await s.client.get("/api/v1/scheduled_statuses", headers=bob)
        assert scheduled.json()[0]["scheduled_at"].startswith("2099-01-31T09:00")
        bad = await s.compose("KEEP", scheduled_at="tomorrow-ish")
        assert bad.status_code == 422 and field_error(bad.text, "scheduled_at") is not None


async def test_a_publisher_posts_as_the_company_and_is_told_it_publishes_at_once(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("pat", role="publisher")
        await s.employee("sam")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        await s.sign_in("pat")
        home = await s.client.get("/home")
        assert f'<option value="{company.id}"' in home.text and "published outside at once" in home.text
        answer = await s.compose("From the company", **{"as": str(company.id)})
        assert answer.status_code == 303
        public = await s.client.get(f"/@{company.username}")
        assert "From the company" in public.text
        s.sign_out_locally()
        await s.sign_in("sam")
        sam_home = await s.client.get("/home")
        assert f'<option value="{company.id}"' not in sam_home.text
        refused = await s.compose("Not mine to say", **{"as": str(company.id)})
        assert refused.status_code == 403 and "cannot post as" in refused.text
