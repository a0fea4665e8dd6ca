"""The review queue and the posts page: deciding through plain forms, with the same rules as the JSON API.

Given staff posting public, unlisted, private and direct posts (some
nominated with #outside); when publishers use the pages; then approvals,
declines and the publish/unpublish toggle change the post and the audit
log exactly as the services do, forged or missing CSRF tokens change
nothing, and private or direct posts never appear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from storage.models import Page, PublicationState
from storage.review import AuditFilter, ReviewState
from tests.server.admin.pages import rows, site

pytestmark = pytest.mark.anyio


async def test_a_nominated_post_is_approved_from_the_queue_then_unpublished_from_the_posts_page(
    tmp_path: Path,
) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "Our new product ships today #outside")
        await s.sign_in("pia")

        queue = await s.client.get("/admin/queue")
        item_id = await s.open_item_id(status_id)
        approved = await s.submit(f"/admin/queue/{item_id}/approve", announcers_sent="1",
                                  **{"announcers[]": "company"})
        listed = await s.client.get("/admin/statuses?state=published")
        unpublished = await s.submit(f"/admin/statuses/{status_id}/unpublish", back="/admin/statuses")
        after = await s.client.get(unpublished.headers["location"])

        assert f'id="item-{item_id}"' in queue.text and "Our new product ships today" in queue.text
        assert '<span class="announcers"><a class="who-link" href="/@company">@company</a></span>' in queue.text
        assert approved.status_code == 303 and approved.headers["location"] == "/admin/queue?notice=approved"
        assert f'id="status-{status_id}"' in rows(listed.text, "statuses")
        assert 'data-state="published"' in rows(listed.text, "statuses")
        assert unpublished.headers["location"] == "/admin/statuses?notice=unpublished"
        assert 'data-state="retracted"' in rows(after.text, "statuses") and "Publish again (new URI)" in after.text
        assert "a <strong>request</strong> to other servers" in after.text
        assert (await s.status(status_id)).publication_state is PublicationState.RETRACTED
        pia = await s.account("pia")
        log = await s.state.storage.review.audit(AuditFilter(status_id=int(status_id)), Page(limit=20))
        assert {e.actor for e in log if e.to_state in ("approved", "published", "retracted")} == {f"user:{pia.id}"}


async def test_the_toggle_publishes_a_post_nobody_nominated(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        status_id = await s.post(alice, "An unlisted note", visibility="unlisted")
        await s.sign_in("ada")

        before = await s.client.get("/admin/statuses")
        answer = await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out", back="/admin/statuses?state=published")
        after = await s.client.get(answer.headers["location"])

        assert 'data-state="internal"' in rows(before.text, "statuses")
        assert answer.headers["location"] == "/admin/statuses?state=published&notice=published"
        assert "Published." in after.text and f'id="status-{status_id}"' in rows(after.text, "statuses")


async def test_declining_needs_a_reason_and_tells_the_queue(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "Maybe this one #outside")
        await s.sign_in("pia")
        await s.client.get("/admin/queue")
        item_id = await s.open_item_id(status_id)

        blank = await s.submit(f"/admin/queue/{item_id}/decline", reason="  ")
        declined = await s.submit(f"/admin/queue/{item_id}/decline", reason="Not ready yet")
        queue = await s.client.get(declined.headers["location"])

        assert blank.status_code == 422 and "Give a reason" in blank.text
        assert declined.status_code == 303 and "Declined" in queue.text and f'id="item-{item_id}"' not in queue.text
        item = await s.state.storage.review.get(item_id)
        assert item is not None and item.state is ReviewState.DECLINED and item.reason == "Not ready yet"


async def test_approving_for_later_schedules_and_unticking_every_announcer_means_none(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "Tomorrow's news #outside")
        await s.sign_in("pia")
        await s.client.get("/admin/queue")
        item_id = await s.open_item_id(status_id)

        answer = await s.submit(f"/admin/queue/{item_id}/approve", announcers_sent="1",
                                scheduled_at="2999-01-01T09:30")
        queue = await s.client.get("/admin/queue")

        item = await s.state.storage.review.get(item_id)
        assert answer.headers["location"] == "/admin/queue?notice=scheduled"
        assert item is not None and item.state is ReviewState.SCHEDULED and item.announcer_ids == ()
        assert "2999-01-01 09:30 UTC" in queue.text and "<em>no one</em>" in queue.text
        assert (await s.status(status_id)).publication_state is PublicationState.INTERNAL


async def test_missing_or_forged_csrf_tokens_change_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        status_id = await s.post(alice, "Please publish #outside")
        await s.sign_in("ada")
        item_id = await s.open_item_id(status_id)

        missing = await s.client.post(f"/admin/queue/{item_id}/approve", data={})
        forged = await s.client.post(f"/admin/statuses/{status_id}/publish", data={CSRF_FIELD: "f" * 43})
        cross_site = await s.client.post(f"/admin/statuses/{status_id}/publish", data={CSRF_FIELD: await s.csrf()},
                                         headers={"Origin": "https://evil.example"})
        signed_out = await s.client.post("/admin/sign_out", data={})

        assert missing.status_code == forged.status_code == cross_site.status_code == signed_out.status_code == 403
        assert "CSRF" in missing.text
        assert (await s.status(status_id)).publication_state is PublicationState.INTERNAL
        item = await s.state.storage.review.get(item_id)
        assert item is not None and item.state is ReviewState.PENDING
        assert (await s.client.get("/admin/queue")).status_code == 200


async def test_private_and_direct_posts_never_appear_even_to_an_admin(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        public_id = await s.post(alice, "A public post #outside")
        private_id = await s.post(alice, "PRIVATE-CANARY #outside", visibility="private")
        direct_id = await s.post(alice, "@ada DIRECT-CANARY #outside", visibility="direct")
        await s.sign_in("ada")

        pages = [await s.client.get(p) for p in (
            "/admin/statuses", "/admin/statuses?hashtag=outside", "/admin/statuses?author=alice", "/admin/queue",
            "/admin/statuses?state=internal")]
        forced = await s.submit(f"/admin/statuses/{private_id}/publish", reason="ready to go out")

        assert all(p.status_code == 200 for p in pages)
        assert f'id="status-{public_id}"' in pages[0].text
        for p in pages:
            assert "PRIVATE-CANARY" not in p.text and "DIRECT-CANARY" not in p.text
            assert f"status-{private_id}" not in p.text and f"status-{direct_id}" not in p.text
        assert forced.status_code in (403, 404, 409, 422) and "PRIVATE-CANARY" not in forced.text
        assert (await s.status(private_id)).publication_state is PublicationState.INTERNAL


async def test_post_text_is_escaped(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        await s.post(alice, "<script>alert(1)</script> & friends #outside")
        await s.sign_in("ada")

        pages = [await s.client.get("/admin/statuses"), await s.client.get("/admin/queue")]

        for page in pages:
            assert "<script>alert(1)</script>" not in page.text
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page.text


async def test_a_pending_revision_shows_its_diff_against_the_approved_text(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "Version one")
        await s.sign_in("pia")
        await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out")
        edited = await s.client.put(f"/api/v1/statuses/{status_id}", headers=alice, json={"status": "Version two"})

        queue = await s.client.get("/admin/queue")

        assert edited.status_code == 200
        assert "Pending revision" in queue.text and "-Version one" in queue.text and "+Version two" in queue.text
        assert "Outsiders keep the approved revision" in queue.text
