"""``/notifications`` in the web app: what happened, filtered by kind, paged, and marked read for apps too.

Given employees who mention, favourite, boost and follow one another;
when one opens the notifications page; then each notification reads as
what happened with links to the person and the post, the tabs filter by
type, the navigation counts the unread ones on every page, and "Mark all as
read" moves the very marker ``/api/v1/markers`` shows apps.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from tests.server.web.staff_site import StaffSite, articles, staff_site

pytestmark = pytest.mark.anyio


def notification_ids(html: str) -> list[str]:
    return re.findall(r'<div class="notification[^"]*" id="notification-(\d+)"', html)


def unread_badge(html: str) -> str | None:
    match = re.search(r'data-notifications data-unread="(\d+)"', html)
    return match.group(1) if match else None


async def busy_morning(s: StaffSite) -> tuple[dict[str, str], str]:
    """Ann's post, which Bob mentions her in a reply to, favourites and boosts; Bob follows her too."""
    ann = await s.employee("ann")
    bob = await s.employee("bob")
    post = await s.post(ann, "Quarterly numbers are in")
    ann_account = await s.account("ann")
    reply = await s.client.post("/api/v1/statuses", headers=bob,
                                json={"status": "@ann great work", "in_reply_to_id": post})
    assert reply.status_code == 200, reply.text
    for action in ("favourite", "reblog"):
        assert (await s.client.post(f"/api/v1/statuses/{post}/{action}", headers=bob)).status_code == 200
    assert (await s.client.post(f"/api/v1/accounts/{ann_account.id}/follow", headers=bob)).status_code == 200
    return ann, post


async def test_each_kind_reads_as_what_happened_with_links_newest_first(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann, post = await busy_morning(s)
        await s.sign_in("ann")

        answer = await s.client.get("/notifications")

        api = (await s.client.get("/api/v1/notifications", headers=ann)).json()
        assert answer.status_code == 200
        assert notification_ids(answer.text) == [n["id"] for n in api]
        assert [n["type"] for n in api] == ["follow", "reblog", "favourite", "mention"]
        for phrase in ("followed you", "boosted your post", "favourited your post", "mentioned you"):
            assert phrase in answer.text
        assert 'href="/@bob"' in answer.text
        assert f'href="/@ann/{post}"' in answer.text
        assert "great work" in answer.text
        assert 'data-page="notifications"' in answer.text
        assert "Show new notifications" in answer.text


async def test_tabs_filter_by_type_and_mark_the_current_one(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await busy_morning(s)
        await s.sign_in("ann")

        mentions = await s.client.get("/notifications?types=mention")
        follows = await s.client.get("/notifications?types=follow&types=follow_request")

        assert [n for n in re.findall(r'data-type="([^"]+)"', mentions.text)] == ["mention"]
        assert '<a href="/notifications?types=mention" aria-current="page">Mentions</a>' in mentions.text
        assert re.findall(r'data-type="([^"]+)"', follows.text) == ["follow"]
        assert 'aria-current="page">Follows</a>' in follows.text
        assert len(articles(follows.text)) == 0


async def test_an_unknown_type_is_named_on_the_page(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await busy_morning(s)
        await s.sign_in("ann")

        answer = await s.client.get("/notifications?types=gossip")

        assert answer.status_code == 400
        assert "There is no notification type named \u201cgossip\u201d" in answer.text
        assert notification_ids(answer.text) == []


async def test_load_more_pages_without_skipping_or_repeating(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        bob = await s.employee("bob")
        for number in range(23):
            await s.post(bob, f"@ann note {number}")
        await s.sign_in("ann")

        first = await s.client.get("/notifications")
        more = re.search(r'<a href="([^"]+)" rel="next" data-more>', first.text)
        assert more is not None
        second = await s.client.get(more.group(1).replace("&amp;", "&"))

        api = (await s.client.get("/api/v1/notifications?limit=40", headers=ann)).json()
        assert notification_ids(first.text) + notification_ids(second.text) == [n["id"] for n in api]
        assert len(notification_ids(first.text)) == 20
        assert 'rel="next"' not in second.text


async def test_the_navigation_counts_unread_and_mark_all_read_moves_the_apps_marker(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann, _ = await busy_morning(s)
        await s.sign_in("ann")
        home = await s.client.get("/home")
        assert unread_badge(home.text) == "4"
        assert "(4<span" in home.text

        answer = await s.submit("/notifications/read")

        newest = (await s.client.get("/api/v1/notifications", headers=ann)).json()[0]["id"]
        markers = (await s.client.get("/api/v1/markers?timeline[]=notifications", headers=ann)).json()
        assert answer.status_code == 303
        assert answer.headers["location"] == "/notifications?notice=read"
        assert markers["notifications"]["last_read_id"] == newest
        after = await s.client.get("/notifications?notice=read")
        assert "All notifications are marked as read." in after.text
        assert unread_badge(after.text) == "0"
        assert 'class="notification unread"' not in after.text


async def test_marks_read_by_an_app_show_on_the_page(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann, _ = await busy_morning(s)
        api = (await s.client.get("/api/v1/notifications", headers=ann)).json()
        await s.client.post("/api/v1/markers", headers=ann, json={"notifications": {"last_read_id": api[1]["id"]}})
        await s.sign_in("ann")

        answer = await s.client.get("/notifications")

        assert unread_badge(answer.text) == "1"
        assert answer.text.count('class="notification unread"') == 1


async def test_mark_all_read_with_a_stale_token_changes_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann, _ = await busy_morning(s)
        await s.sign_in("ann")

        answer = await s.client.post("/notifications/read", data={CSRF_FIELD: "stale"})

        markers = (await s.client.get("/api/v1/markers?timeline[]=notifications", headers=ann)).json()
        assert answer.status_code == 403
        assert "expired" in answer.text
        assert markers == {}


async def test_signed_out_the_page_asks_to_sign_in(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        answer = await s.client.get("/notifications")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/sign_in?next=")


async def test_a_publication_decision_reads_as_the_organisations_notice(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.employee("pia", role="publisher")
        status_id = await s.post(ann, "Our launch is today")
        await s.sign_in("pia")
        published = await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out",
                                   back="/admin/statuses")
        assert published.status_code == 303
        s.sign_out_locally()
        await s.sign_in("ann")

        answer = await s.client.get("/notifications?types=mention")

        assert "is now published outside the organisation" in answer.text
        assert "mentioned you" in answer.text
        assert 'href="/@company"' in answer.text


async def test_a_follow_request_is_decided_from_the_notification(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        bob = await s.employee("bob")
        await s.client.patch("/api/v1/accounts/update_credentials", headers=ann, data={"locked": "true"})
        ann_id = (await s.account("ann")).id
        assert (await s.client.post(f"/api/v1/accounts/{ann_id}/follow", headers=bob)).json()["requested"] is True
        await s.sign_in("ann")

        page = await s.client.get("/notifications")
        declined = await s.submit("/@bob/reject", back="/notifications")

        bob_id = (await s.account("bob")).id
        facts = (await s.client.get(f"/api/v1/accounts/relationships?id[]={bob_id}", headers=ann)).json()[0]
        assert "asked to follow you" in page.text
        assert 'action="/@bob/authorize"' in page.text
        assert declined.headers["location"] == "/notifications?notice=rejected"
        assert facts["requested_by"] is False
        assert facts["followed_by"] is False
