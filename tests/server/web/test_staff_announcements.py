"""The web app's home: the announcements banner (dismiss, reactions toggled) and important posts pinned first.

Plain forms, no script: a reaction button adds the emoji, the same button
(now pressed) takes it back, and Dismiss hides the announcement for this
person only. An important company post heads the first page with its badge.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.services.announcements import AnnouncementDraft
from server.services.review_roles import Reviewer
from server.services.status_draft import StatusDraft
from storage.models import AccountKind, Page
from tests.server.web.staff_site import StaffSite, articles, staff_site

pytestmark = pytest.mark.anyio


async def _announce(s: StaffSite, text: str, *departments: str) -> int:
    created = await s.state.services.announcements.create(Reviewer.cli("test"), AnnouncementDraft(
        text=text, departments=departments))
    return created.id


def _banner(html: str) -> str:
    match = re.search(r'<section class="announcements".*?</section>', html, re.S)
    return match.group(0) if match else ""


async def test_the_banner_shows_reacts_toggles_and_dismisses(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("sam")
        await s.employee("olga")
        announcement_id = await _announce(s, "Canteen closed on Friday")
        await s.sign_in("sam")

        home = (await s.client.get("/home")).text
        reacted = await s.submit(f"/announcements/{announcement_id}/react", name="🎉", back="/home")
        after_react = _banner((await s.client.get("/home")).text)
        undone = await s.submit(f"/announcements/{announcement_id}/react", name="🎉", undo="1", back="/home")
        after_undo = _banner((await s.client.get("/home")).text)
        dismissed = await s.submit(f"/announcements/{announcement_id}/dismiss", back="/home")
        after_dismiss = (await s.client.get("/home")).text

        assert "Canteen closed on Friday" in _banner(home)
        assert 'aria-pressed="false"' in _banner(home)
        assert reacted.status_code == 303
        assert reacted.headers["location"] == "/home"
        assert re.search(r'aria-pressed="true"[^>]*>🎉 <span class="count">1</span>', after_react)
        assert undone.status_code == 303
        assert 'aria-pressed="true"' not in after_undo
        assert dismissed.status_code == 303
        assert _banner(after_dismiss) == ""
        s.sign_out_locally()
        await s.sign_in("olga")
        assert "Canteen closed on Friday" in _banner((await s.client.get("/home")).text)


async def test_a_department_announcement_is_not_shown_nor_answerable_to_others(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("sam")
        await s.department("sales")
        announcement_id = await _announce(s, "Sales kick-off", "sales")
        await s.sign_in("sam")

        home = (await s.client.get("/home")).text
        react = await s.submit(f"/announcements/{announcement_id}/react", name="👍", back="/home")
        bad = await s.submit(f"/announcements/{announcement_id}/dismiss", back="https://evil.example/")

        assert _banner(home) == ""
        assert react.status_code == 404
        assert bad.status_code == 404


async def test_an_important_company_post_heads_home_with_its_badge(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        author = await s.employee("sam")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        important = await s.state.services.statuses.create(company, StatusDraft(text="Payroll moves to the 25th"))
        for n in range(3):
            await s.post(author, f"my note {n}")
        await s.state.services.important_posts.mark(Reviewer.cli("test"), important.id,
                                                     datetime.now(UTC) + timedelta(days=1))
        await s.sign_in("sam")

        home = (await s.client.get("/home")).text

        assert articles(home)[0] == str(important.id)
        assert articles(home).count(str(important.id)) == 1
        assert '<span class="badge">Important</span>' in home


def _later(days: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


async def test_a_publisher_posts_as_the_company_marked_important_from_compose(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.employee("sam")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        await s.sign_in("pia")

        form = (await s.client.get("/home")).text
        posted = await s.compose("Town hall at noon", **{"as": str(company.id), "important": "1",
                                                        "important_until": _later()})
        newest = (await s.state.storage.important_statuses.for_home((await s.account("sam")).id, datetime.now(UTC)))

        assert 'name="important_until"' in form
        assert posted.status_code == 303
        assert len(newest) == 1
        status = await s.state.storage.statuses.get(newest[0].status_id)
        assert status is not None
        assert status.text == "Town hall at noon"


@pytest.mark.parametrize(("fields", "message"), [
    ({"important_until": "soon"}, "Give a date and time"),
    ({"important_until": "2001-01-01T00:00"}, "until must be in the future"),
    ({"visibility": "private"}, "must be seen by everyone inside"),
    ({"as": "self"}, "Only a post made now as the company or a department"),
])
async def test_a_refused_important_compose_writes_no_post(tmp_path: Path, fields: dict[str, str], message: str) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        pia = await s.account("pia")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        await s.sign_in("pia")
        chosen = {"as": str(company.id), "important": "1", "important_until": _later(), **fields}
        if chosen["as"] == "self":
            chosen["as"] = str(pia.id)

        refused = await s.compose("Not yet", **chosen)

        assert refused.status_code == 422
        assert message in refused.text
        assert "Not yet" in refused.text
        assert list(await s.state.storage.timelines.home(company.id, Page())) == []


async def test_a_publisher_marks_and_unmarks_from_the_post_page(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.employee("sam")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        post = await s.state.services.statuses.create(company, StatusDraft(text="Quarterly results"))
        await s.sign_in("sam")
        staff_page = (await s.client.get(f"/statuses/{post.id}", follow_redirects=True)).text
        staff_try = await s.submit(f"/statuses/{post.id}/important", until=_later())
        s.sign_out_locally()
        await s.sign_in("pia")

        before = (await s.client.get(f"/statuses/{post.id}", follow_redirects=True)).text
        marked = await s.submit(f"/statuses/{post.id}/important", until=_later(), back=f"/@corp/{post.id}")
        after = (await s.client.get(f"/statuses/{post.id}", follow_redirects=True)).text
        unmarked = await s.submit(f"/statuses/{post.id}/unimportant", back="/home")

        assert 'class="important-action"' not in staff_page
        assert staff_try.status_code == 403
        assert f'action="/statuses/{post.id}/important"' in before
        assert marked.status_code == 303
        assert f'action="/statuses/{post.id}/unimportant"' in after
        assert unmarked.status_code == 303
        assert await s.state.storage.important_statuses.get(post.id) is None
