"""``/admin/mine``: staff see their own shareable posts and nominate them, through the same service as the API.

Given staff members with posts of every visibility; when one signs in to
the admin pages and nominates a post; then only their own public and
unlisted posts are listed, the nomination opens a review item with a
nominate audit entry, and every other admin page still refuses them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from storage.models import Page
from storage.review import AuditFilter
from tests.server.admin.pages import rows, site

pytestmark = pytest.mark.anyio


async def test_staff_see_only_their_own_public_and_unlisted_posts_newest_first(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        sam = await s.employee("sam")
        bob = await s.employee("bob")
        public = await s.post(sam, "PUBLIC-POST")
        unlisted = await s.post(sam, "UNLISTED-POST", visibility="unlisted")
        await s.post(sam, "PRIVATE-POST", visibility="private")
        await s.post(sam, "DIRECT-POST @bob", visibility="direct")
        await s.post(bob, "BOBS-POST")
        await s.sign_in("sam")

        answer = await s.client.get("/admin/mine")

        listed = rows(answer.text, "mine")
        assert answer.status_code == 200 and "@sam (staff)" in answer.text
        assert listed.index(f'id="status-{unlisted}"') < listed.index(f'id="status-{public}"')
        assert "PUBLIC-POST" in listed and "UNLISTED-POST" in listed
        assert all(text not in listed for text in ("PRIVATE-POST", "DIRECT-POST", "BOBS-POST"))
        assert listed.count('data-state="internal"') == 2
        assert listed.count(">Nominate for publication</button>") == 2


async def test_staff_nominate_their_post_into_the_review_queue(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        sam = await s.employee("sam")
        status_id = await s.post(sam, "Ready for the outside world")
        await s.sign_in("sam")
        await s.client.get("/admin/mine")

        nominated = await s.submit(f"/admin/mine/{status_id}/nominate")
        after = await s.client.get(nominated.headers["location"])
        again = await s.submit(f"/admin/mine/{status_id}/nominate")

        assert nominated.status_code == 303 and nominated.headers["location"] == "/admin/mine?notice=nominated"
        item = await s.state.storage.review.open_for(int(status_id))
        sam_id = (await s.account("sam")).id
        assert item is not None and item.nominated_by == f"user:{sam_id}"
        log = await s.state.storage.review.audit(AuditFilter(status_id=int(status_id)), Page(limit=20))
        assert [(e.action, e.actor, e.detail.get("via")) for e in log] == [("nominate", f"user:{sam_id}", "nominate")]
        listed = rows(after.text, "mine")
        assert 'data-state="nominated"' in listed and "Nominate for publication" not in listed
        assert again.status_code == 409 and "already waiting in the review queue" in again.text


async def test_nominating_refuses_forged_csrf_and_other_peoples_posts(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        sam = await s.employee("sam")
        bob = await s.employee("bob")
        own = await s.post(sam, "Mine")
        private = await s.post(sam, "Mine but private", visibility="private")
        theirs = await s.post(bob, "Bob's")
        await s.sign_in("sam")
        await s.client.get("/admin/mine")

        forged = await s.client.post(f"/admin/mine/{own}/nominate", data={CSRF_FIELD: "x" * 43})
        other = await s.submit(f"/admin/mine/{theirs}/nominate")
        hidden = await s.submit(f"/admin/mine/{private}/nominate")
        missing = await s.submit("/admin/mine/123456789/nominate")

        assert forged.status_code == 403
        assert other.status_code == hidden.status_code == missing.status_code == 404
        assert other.text == missing.text
        for status_id in (own, theirs, private):
            assert await s.state.storage.review.open_for(int(status_id)) is None


async def test_staff_still_get_403_on_every_other_admin_page(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        sam = await s.employee("sam")
        status_id = await s.post(sam, "Mine")
        await s.sign_in("sam")

        pages = [await s.client.get(path) for path in ("/admin/queue", "/admin/statuses", "/admin/departments",
                                                        "/admin/audit", "/admin/accounts")]
        publish = await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out")

        assert [p.status_code for p in pages] == [403] * len(pages)
        assert publish.status_code == 403
        assert await s.state.storage.review.open_for(int(status_id)) is None


async def test_publishers_also_have_their_own_posts_page(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        pia = await s.employee("pia", role="publisher")
        await s.post(pia, "PIAS-POST")
        landed = await s.sign_in("pia")

        mine = await s.client.get("/admin/mine")

        assert landed.headers["location"] == "/admin/queue"
        assert "PIAS-POST" in rows(mine.text, "mine") and 'href="/admin/queue"' in mine.text
