"""The way into the web app, and the one outsider rule at the addresses staff and outsiders share.

Given employees with inside and published posts; when a browser opens
``/``, signs in at ``/auth/sign_in`` and visits ``/@name`` and
``/@name/ID``; then signed-out visitors get the sign-in page or exactly
the public page or 404 they got before, and staff get the inside view.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from tests.server.web.staff_site import PASSWORD, articles, staff_site

pytestmark = pytest.mark.anyio
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_root_is_the_sign_in_page_then_the_home_timeline(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        signed_out = await s.client.get("/", headers=BROWSER)
        assert signed_out.status_code == 200 and 'action="/auth/sign_in"' in signed_out.text
        assert 'autocomplete="current-password"' in signed_out.text

        answer = await s.sign_in("bob")
        assert answer.status_code == 303 and answer.headers["location"] == "/home"
        root = await s.client.get("/")
        assert root.status_code == 303 and root.headers["location"] == "/home"
        home = await s.client.get("/home")
        assert home.status_code == 200 and "<h1>Home</h1>" in home.text and "@bob" in home.text


async def test_a_page_signed_out_leads_to_sign_in_and_back(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        answer = await s.client.get("/tags/launch?x=1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/auth/sign_in?next=%2Ftags%2Flaunch%3Fx%3D1"
        signed_in = await s.sign_in("bob", next_path="/tags/launch?x=1")
        assert signed_in.headers["location"] == "/tags/launch?x=1"


@pytest.mark.parametrize("wanted", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/auth/sign_in"])
async def test_sign_in_never_sends_people_to_another_site(tmp_path: Path, wanted: str) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        answer = await s.sign_in("bob", next_path=wanted)
        assert answer.status_code == 303 and answer.headers["location"] == "/home"


async def test_a_wrong_password_keeps_the_login_and_says_why_next_to_it(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        answer = await s.sign_in("bob", password="not the password")
        assert answer.status_code == 422
        assert "Invalid email, username or password." in answer.text
        assert 'value="bob"' in answer.text and 'aria-describedby="sign-in-error"' in answer.text
        assert (await s.client.get("/home")).status_code == 303


async def test_a_stale_form_signs_nobody_in(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        answer = await s.client.post("/auth/sign_in", data={"login": "bob", "password": PASSWORD,
                                                             CSRF_FIELD: "stale", "next": "/home"})
        assert answer.status_code == 403 and "expired" in answer.text
        assert (await s.client.get("/home")).status_code == 303


async def test_signing_out_ends_the_session_on_the_server(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        cookies = dict(s.client.cookies)
        token = await s.csrf()
        answer = await s.client.post("/auth/sign_out", data={CSRF_FIELD: token})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/sign_in")
        s.client.cookies.update(cookies)  # a copied cookie is worth nothing now
        assert (await s.client.get("/home")).status_code == 303


async def test_staff_see_an_inside_post_where_outsiders_get_the_same_404_as_for_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        inside = await s.post(alice, "INSIDE-ONLY plans")

        outsider_inside = await s.client.get(f"/@alice/{inside}", headers=BROWSER)
        outsider_missing = await s.client.get("/@alice/99999999", headers=BROWSER)
        outsider_profile = await s.client.get("/@alice", headers=BROWSER)
        nobody = await s.client.get("/@nobody", headers=BROWSER)
        assert outsider_inside.status_code == outsider_missing.status_code == 404
        assert outsider_inside.text == outsider_missing.text and "INSIDE-ONLY" not in outsider_inside.text
        assert outsider_profile.status_code == nobody.status_code == 404
        assert outsider_profile.text == nobody.text
        assert outsider_inside.headers["content-type"].startswith("text/html")

        await s.sign_in("bob")
        thread = await s.client.get(f"/@alice/{inside}", headers=BROWSER)
        assert thread.status_code == 200 and "INSIDE-ONLY plans" in thread.text
        assert 'data-stance="internal"' in thread.text and "Inside only" in thread.text
        profile = await s.client.get("/@alice", headers=BROWSER)
        assert profile.status_code == 200 and inside in articles(profile.text)
        missing = await s.client.get("/@alice/99999999", headers=BROWSER)
        assert missing.status_code == 404 and "does not exist, or you cannot see it" in missing.text


async def test_activitypub_clients_get_json_whatever_the_session(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        inside = await s.post(alice, "INSIDE-ONLY")
        await s.sign_in("alice")
        for path in (f"/@alice/{inside}", "/@alice"):
            answer = await s.client.get(path, headers={"Accept": "application/activity+json"})
            assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}


async def test_a_direct_post_of_others_is_not_found_for_staff_too(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("carol")
        await s.employee("bob")
        secret = await s.post(alice, "@carol SECRET", visibility="direct")
        await s.sign_in("bob")
        answer = await s.client.get(f"/@alice/{secret}", headers=BROWSER)
        missing = await s.client.get("/@alice/99999999", headers=BROWSER)
        assert answer.status_code == 404 and "SECRET" not in answer.text
        assert answer.text.replace(secret, "X") == missing.text.replace("99999999", "X")


async def test_unknown_pages_are_an_html_404_for_browsers_and_json_for_clients(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        page = await s.client.get("/no/such/page", headers=BROWSER)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "This page does not exist." in page.text
        api = await s.client.get("/api/v1/no_such", headers=BROWSER)
        assert api.status_code == 404 and api.json() == {"error": "Record not found"}
        client = await s.client.get("/no/such/page", headers={"Accept": "application/json"})
        assert client.status_code == 404 and client.json() == {"error": "Record not found"}


async def test_the_pages_allow_only_our_own_scripts(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        home = await s.client.get("/home")
        policy = home.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy and home.headers["cache-control"] == "no-store"
        script = await s.client.get("/static/app.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert (await s.client.get("/static/../server/config.py")).status_code == 404
        assert (await s.client.get("/static/nothing.js")).status_code == 404


async def test_publishers_see_the_queue_count_on_every_page_and_staff_see_no_queue(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        sam = await s.employee("sam")
        await s.employee("pat", role="publisher")
        for n in range(2):
            await s.post(sam, f"Share me {n} #outside")
        await s.sign_in("pat")
        for path in ("/home", "/settings", "/search", "/@sam"):
            page = await s.client.get(path)
            assert 'Review queue <span class="count">(2<span class="visually-hidden"> waiting</span>)' in page.text
        s.sign_out_locally()
        await s.sign_in("sam")
        assert 'href="/admin/queue"' not in (await s.client.get("/home")).text
