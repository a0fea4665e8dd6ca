"""Publishing from the posts list asks for a confirmation and a reason; deciders hear of new work; pages are paged.

Given staff posting and publishers deciding; when a post enters the review
queue, the admins, the publishers and the publishers of the departments it
is addressed to get a notification (through the Mastodon notifications
API), and its author sees it as proposed and waiting; when a publisher
publishes from the posts list, a confirmation page asks for a reason, which
goes into the audit log; and the queue and the audit log page older and
newer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage.admin import NewAdminAction
from storage.models import Page, PublicationState, Role
from storage.review import AuditFilter
from tests.server.admin.pages import Site, rows, site

pytestmark = pytest.mark.anyio


async def review_notices(s: Site, headers: dict[str, str]) -> list[str]:
    answer = await s.client.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200, answer.text
    return [n["status"]["content"] for n in answer.json()
            if n["type"] == "mention" and "waits for review" in n["status"]["content"]]


async def test_publishing_from_the_list_asks_for_a_confirmation_and_a_reason(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "The new catalogue is out")
        await s.sign_in("pia")

        listed = await s.client.get("/admin/statuses")
        confirm = await s.client.get(f"/admin/statuses/{status_id}/publish?back=/admin/statuses")
        without_reason = await s.submit(f"/admin/statuses/{status_id}/publish", reason="  ", back="/admin/statuses")
        unchanged = (await s.status(status_id)).publication_state
        published = await s.submit(f"/admin/statuses/{status_id}/publish", reason="Marketing asked",
                                   back="/admin/statuses")

        table = rows(listed.text, "statuses")
        assert f'<form method="get" action="/admin/statuses/{status_id}/publish">' in table
        assert f'<a class="post-link" href="/@alice/{status_id}">The new catalogue is out</a>' in table
        assert confirm.status_code == 200
        assert "Publish this post outside?" in confirm.text
        assert "The new catalogue is out" in confirm.text
        assert re.search(r'<textarea id="f-reason" name="reason"[^>]*required', confirm.text)
        assert without_reason.status_code == 422
        assert 'id="f-reason-error">Give a reason' in without_reason.text
        assert unchanged is PublicationState.INTERNAL
        assert published.status_code == 303
        assert published.headers["location"] == "/admin/statuses?notice=published"
        assert (await s.status(status_id)).publication_state is PublicationState.PUBLISHED
        entries = await s.state.storage.review.audit(AuditFilter(status_id=int(status_id)), Page(limit=10))
        assert [(e.action, e.reason) for e in entries] == [("publish", "Marketing asked")]


async def test_a_confirmation_page_refuses_posts_the_publisher_may_not_decide(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pat")
        await s.department("sales", "pat")
        theirs = await s.post(alice, "Not addressed to sales")
        private = await s.post(alice, "Private", visibility="private")
        await s.sign_in("pat")

        other = await s.client.get(f"/admin/statuses/{theirs}/publish")
        hidden = await s.client.get(f"/admin/statuses/{private}/publish")

        assert other.status_code == 404
        assert hidden.status_code == 404


async def test_deciders_get_a_notification_when_a_post_enters_the_queue(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        ada = await s.employee("ada", role="admin")
        pia = await s.employee("pia", role="publisher")
        pat = await s.employee("pat")
        quinn = await s.employee("quinn")
        await s.department("sales", "pat")
        await s.department("legal", "quinn")

        status_id = await s.post(alice, "@sales our offer for the fair #outside")

        for deciders in (ada, pia, pat):
            (notice,) = await review_notices(s, deciders)
            assert f"/@alice/{status_id}" in notice
            assert "@alice" in notice
        for bystander in (alice, bob, quinn):
            assert await review_notices(s, bystander) == []


async def test_a_nomination_from_the_page_notifies_the_deciders_and_the_author_sees_it_waiting(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        sam = await s.employee("sam")
        pia = await s.employee("pia", role="publisher")
        status_id = await s.post(sam, "Maybe for outside")
        await s.sign_in("sam")

        nominated = await s.submit(f"/admin/mine/{status_id}/nominate")
        mine = await s.client.get("/admin/mine")

        assert nominated.status_code == 303
        assert len(await review_notices(s, pia)) == 1
        assert await review_notices(s, sam) == []
        row = rows(mine.text, "mine")
        assert 'data-state="nominated">proposed, waiting for review</span>' in row
        assert f'<a class="post-link" href="/@sam/{status_id}">Maybe for outside</a>' in row


async def test_an_edit_of_a_queued_post_does_not_notify_again(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        pia = await s.employee("pia", role="publisher")
        status_id = await s.post(alice, "First draft #outside")

        edited = await s.client.put(f"/api/v1/statuses/{status_id}", headers=alice,
                                    json={"status": "Second draft #outside"})

        assert edited.status_code == 200, edited.text
        assert len(await review_notices(s, pia)) == 1


async def test_the_queue_pages_older_and_newer(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        ids = [await s.post(alice, f"Post number {n} #outside") for n in range(23)]
        await s.sign_in("pia")

        first = await s.client.get("/admin/queue")
        older_link = re.search(r'<a rel="next" href="([^"]+)">', first.text)
        assert older_link is not None
        second = await s.client.get(older_link.group(1).replace("&amp;", "&"))
        newer_link = re.search(r'<a rel="prev" href="([^"]+)">', second.text)
        assert newer_link is not None
        back = await s.client.get(newer_link.group(1).replace("&amp;", "&"))

        on_first = re.findall(r'data-status-id="(\d+)"', first.text)
        on_second = re.findall(r'data-status-id="(\d+)"', second.text)
        assert on_first == ids[::-1][:20]
        assert on_second == ids[::-1][20:]
        assert re.findall(r'data-status-id="(\d+)"', back.text) == ids[::-1][:20]
        assert 'rel="prev"' not in first.text


async def test_the_audit_log_pages_both_tables_apart(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        ids = [await s.post(alice, f"Post {n}") for n in range(55)]
        await s.sign_in("ada")
        admin = await s.state.services.review_queries.reviewer(await s.account("ada"), Role.ADMIN)
        for status_id in ids:
            await s.state.services.review.publish(admin, int(status_id), reason="batch")
        for n in range(52):
            await s.state.storage.admin.record_action(NewAdminAction("cli:root", "probe", "domain", str(n)))

        first = await s.client.get("/admin/audit")
        older_link = re.search(r'<a rel="next" href="(/admin/audit\?max_id=\d+)">', first.text)
        assert older_link is not None
        second = await s.client.get(older_link.group(1))

        actions_older = re.search(r'<a rel="next" href="(/admin/audit\?actions_max_id=\d+)">', first.text)
        assert actions_older is not None
        third = await s.client.get(actions_older.group(1))

        assert len(re.findall(r"<tr data-status-id=", rows(first.text, "decisions"))) == 50
        assert len(re.findall(r"<tr data-status-id=", rows(second.text, "decisions"))) == 5
        assert 'rel="prev"' in second.text
        assert rows(first.text, "actions").count("<td>probe</td>") == 50
        assert rows(third.text, "actions").count("<td>probe</td>") == 2
        assert len(re.findall(r"<tr data-status-id=", rows(third.text, "decisions"))) == 50
