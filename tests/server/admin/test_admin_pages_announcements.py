"""``/admin/announcements``: publishers and admins write, edit, end and delete announcements in the browser.

Refused input (no text, an end before the start, a time that is not one,
an unknown department) comes back with the message beside its field, the
input kept, and nothing written; plain staff are refused the page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.services.status_draft import StatusDraft
from server.signin.sessions import CSRF_FIELD
from storage.models import AccountKind
from tests.server.admin.pages import Site, rows, site

pytestmark = pytest.mark.anyio
PAGE = "/admin/announcements"


async def _send(s: Site, path: str, **fields: str | list[str]) -> str:
    answer = await s.client.post(path, data={CSRF_FIELD: await s.csrf(), **fields})
    return f"{answer.status_code} {answer.headers.get('location', '')} {answer.text}"


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


async def test_a_publisher_writes_for_a_department_then_ends_and_deletes(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        sales = await s.department("sales")
        await s.department("ops")
        await s.sign_in("pia")

        created = await _send(s, PAGE, text="Quota met", departments=[str(sales.id)], starts_at="2020-01-01T09:00")
        listed = (await s.client.get(PAGE)).text
        announcement = (await s.state.storage.announcements.list())[0]

        assert created.startswith("303 /admin/announcements?notice=announcement_created")
        assert "Quota met" in rows(listed, "announcements")
        assert 'data-state="active"' in listed
        assert announcement.department_ids == (sales.id,)
        assert (await _send(s, f"{PAGE}/{announcement.id}/end")).startswith("303")
        assert 'data-state="ended"' in (await s.client.get(PAGE)).text
        edit_form = (await s.client.get(PAGE, params={"edit": str(announcement.id)})).text
        assert f'action="/admin/announcements/{announcement.id}"' in edit_form
        assert (await _send(s, f"{PAGE}/{announcement.id}/delete")).startswith("303")
        assert "No announcements yet." in (await s.client.get(PAGE)).text


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"text": "  "}, "text", "Write the announcement's text."),
    ({"text": "Hi", "starts_at": "2030-01-02T10:00", "ends_at": "2030-01-01T10:00"}, "ends_at",
     "The end must come after the start."),
    ({"text": "Hi", "starts_at": "next week"}, "starts_at", "The start is not a valid ISO 8601 date and time"),
    ({"text": "Hi", "departments": ["999"]}, "departments", "There is no department '999'."),
])
async def test_a_refused_form_shows_the_error_beside_the_field(
    tmp_path: Path, fields: dict[str, str | list[str]], field: str, message: str,
) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        refused = await s.client.post(PAGE, data={CSRF_FIELD: await s.csrf(), **fields})

        assert refused.status_code == 422
        assert _field_error(refused.text, field) == message.replace("'", "&#39;")
        assert re.search(rf'aria-describedby="[^"]*f-{field}-error"', refused.text)
        assert list(await s.state.storage.announcements.list()) == []


async def test_staff_are_refused_and_a_form_without_csrf_writes_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("sam")
        await s.sign_in("sam")
        page = await s.client.get(PAGE)
        posted = await s.client.post(PAGE, data={CSRF_FIELD: await s.csrf(), "text": "Hi"})
        s.sign_out_locally()
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        forged = await s.client.post(PAGE, data={"text": "Hi"})

        assert page.status_code == 403
        assert posted.status_code == 403
        assert forged.status_code == 403
        assert list(await s.state.storage.announcements.list()) == []


async def test_an_admin_marks_a_company_post_important_from_the_posts_page(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        post = await s.state.services.statuses.create(company, StatusDraft(text="Offices closed Monday"))
        until = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

        listed = (await s.client.get("/admin/statuses")).text
        marked = await _send(s, f"/admin/statuses/{post.id}/important", until=until, back="/admin/statuses")
        after = (await s.client.get("/admin/statuses")).text
        unmarked = await _send(s, f"/admin/statuses/{post.id}/unimportant", back="/admin/statuses")

        assert f'action="/admin/statuses/{post.id}/important"' in listed
        assert marked.startswith("303 /admin/statuses?notice=marked_important")
        assert "Important until" in rows(after, "statuses")
        assert unmarked.startswith("303 /admin/statuses?notice=unmarked_important")
        assert await s.state.storage.important_statuses.get(post.id) is None
