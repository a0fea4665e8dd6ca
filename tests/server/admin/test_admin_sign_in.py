"""Signing in to the admin pages: who gets in, who does not, CSRF on the form, signing out.

Given employees with each role; when they use the sign-in form; then
publishers, admins and department publishers get the admin pages, plain
staff get a session for their own posts page (``/admin/mine``) only, and
the answers say why the others get nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.mastodon.auth import digest_token, new_token
from server.signin.sessions import CSRF_FIELD
from storage.models import Role
from tests.server.admin.pages import PASSWORD, site

pytestmark = pytest.mark.anyio


async def test_a_publisher_signs_in_with_username_or_email_and_lands_on_the_queue(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")

        by_name = await s.sign_in("pia")
        s.sign_out_locally()
        by_email = await s.sign_in("pia@example.com")
        queue = await s.client.get("/admin/queue")

        assert by_name.status_code == by_email.status_code == 303
        assert by_email.headers["location"] == "/admin/queue"
        assert "insideout_session" in s.client.cookies
        assert queue.status_code == 200 and "Review queue" in queue.text and "@pia (publisher)" in queue.text
        assert queue.headers["x-frame-options"] == "DENY" and "script-src" not in queue.headers[
            "content-security-policy"]


async def test_staff_sign_in_to_their_own_posts_page_only(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("sam")

        staff = await s.sign_in("sam")  # heading for /admin/queue
        home = await s.client.get("/admin")
        queue = await s.client.get("/admin/queue")
        mine = await s.client.get("/admin/mine")

        assert staff.status_code == 303 and staff.headers["location"] == "/admin/mine"
        assert home.headers["location"] == "/admin/mine"
        assert queue.status_code == 403 and "Only publishers and admins" in queue.text
        assert mine.status_code == 200 and 'href="/admin/queue"' not in mine.text


async def test_wrong_passwords_and_disabled_logins_get_no_session(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("dora", role="publisher")
        await s.state.services.offboarding.depart((await s.state.services.accounts.employee("dora")).account.id,
                                                   actor="test")
        await s.employee("pia", role="publisher")

        disabled = await s.sign_in("dora")
        wrong = await s.sign_in("pia", "not the password")
        unknown = await s.sign_in("nobody")

        assert disabled.status_code == 403 and "disabled" in disabled.text
        assert wrong.status_code == unknown.status_code == 422
        assert "Invalid email, username or password." in wrong.text
        assert "insideout_session" not in s.client.cookies


async def test_the_sign_in_form_refuses_a_missing_or_forged_csrf_token(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.client.get("/admin/sign_in")

        missing = await s.client.post("/admin/sign_in", data={"login": "pia", "password": PASSWORD})
        forged = await s.client.post("/admin/sign_in", data={
            "login": "pia", "password": PASSWORD, CSRF_FIELD: "x" * 43})

        assert missing.status_code == forged.status_code == 403
        assert "insideout_session" not in s.client.cookies


async def test_pages_send_anonymous_visitors_to_the_sign_in_form(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        answer = await s.client.get("/admin/statuses")
        form = await s.client.get(answer.headers["location"])

        assert answer.status_code == 303 and answer.headers["location"] == "/admin/sign_in?next=/admin/statuses"
        assert form.status_code == 200 and 'name="next" value="/admin/statuses"' in form.text


async def test_the_next_page_after_sign_in_is_only_ever_an_admin_path(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.client.get("/admin/sign_in")

        answer = await s.client.post("/admin/sign_in", data={
            "login": "pia", "password": PASSWORD, CSRF_FIELD: await s.csrf(), "next": "//evil.example/admin"})

        assert answer.status_code == 303 and answer.headers["location"] == "/admin"


async def test_a_staff_members_browser_session_does_not_open_the_admin_pages(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        # Given a staff member signed in to the OAuth pages (the same browser session)
        await s.employee("sam")
        raw = new_token()
        await s.state.storage.tokens.create_session(digest_token(raw), (await s.account("sam")).id)
        s.client.cookies.set("insideout_session", raw)

        answer = await s.client.get("/admin/queue")

        assert answer.status_code == 403 and "Only publishers and admins" in answer.text


async def test_signing_out_revokes_the_session_on_the_server(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        raw = s.client.cookies["insideout_session"]

        out = await s.submit("/admin/sign_out")
        s.client.cookies.set("insideout_session", raw)  # a copied cookie is useless afterwards
        again = await s.client.get("/admin/queue")

        assert out.status_code == 303 and out.headers["location"] == "/admin/sign_in?notice=signed_out"
        assert again.status_code == 303 and again.headers["location"].startswith("/admin/sign_in")


async def test_a_demoted_publisher_loses_the_pages_at_once(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.sign_in("pia")
        await s.state.services.accounts.set_role("pia", Role.STAFF)

        answer = await s.client.get("/admin/queue")

        assert answer.status_code == 403
