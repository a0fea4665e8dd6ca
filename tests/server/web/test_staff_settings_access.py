"""Authorized apps and browser sessions in the web app: listed as the person's own, ended with a button.

Given an employee with apps and browsers signed in; when they revoke an
app or sign out a session from the settings pages; then exactly that one
stops working at once, the others go on, and another person's app or
session answers as a missing one and is left alone.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from server.services.access_tokens import digest_token, new_token
from server.signin.sessions import CSRF_FIELD
from storage.clock import utcnow
from storage.models import MemberRole, NewApplication, NewAuthorizationCode
from tests.server.helpers import bearer
from tests.server.web.staff_site import StaffSite, staff_site

pytestmark = pytest.mark.anyio
CHECK = "/api/v1/accounts/verify_credentials"


async def app_token(s: StaffSite, username: str, app_name: str, *, acting_as: int | None = None) -> tuple[int, str]:
    """An app authorized by the employee (optionally to act as an identity): the token's id and its bearer."""
    oauth = s.state.storage.oauth
    app = await oauth.create_application(NewApplication(app_name, "https://app.example", ("urn:ietf:wg:oauth:2.0:oob",),
                                                        ("read", "write"), f"client-{app_name}", "digest"))
    account = await s.account(username)
    raw = new_token()
    code = await oauth.create_authorization_code(NewAuthorizationCode(
        digest_token(new_token()), app.id, account.id, "urn:ietf:wg:oauth:2.0:oob", ("read", "write"),
        utcnow() + timedelta(minutes=5), acting_as_account_id=acting_as))
    token = await oauth.redeem_authorization_code(code.id, digest_token(raw))
    assert token is not None
    return token.id, raw


def sections(html: str) -> list[str]:
    return re.findall(r'<section class="card grant" aria-labelledby="grant-(\d+)">', html)


async def test_apps_are_listed_with_scopes_and_identity_and_one_is_revoked(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        # Given bob authorized two apps, one of them to act as his department, and alice one
        await s.employee("bob")
        await s.employee("alice")
        sales = await s.department("sales")
        await s.state.storage.departments.set_member(sales.id, (await s.account("bob")).id, MemberRole.PUBLISHER)
        tusky, tusky_raw = await app_token(s, "bob", "Tusky")
        ivory, ivory_raw = await app_token(s, "bob", "Ivory", acting_as=sales.id)
        theirs, theirs_raw = await app_token(s, "alice", "Elk")
        await s.sign_in("bob")

        # When bob looks at his apps
        page = await s.client.get("/settings/apps")

        # Then he sees his two, newest first, with what each may do and as whom (then the test's own API token),
        # and not alice's
        assert sections(page.text)[:2] == [str(ivory), str(tusky)]
        assert len(sections(page.text)) == 3
        assert "Elk" not in page.text
        assert "read, write" in page.text
        assert "Sales (@sales)" in page.text

        # When he revokes Tusky
        answer = await s.submit(f"/settings/apps/{tusky}/revoke")

        # Then Tusky is signed out at once, Ivory and alice's app go on
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/apps?notice=revoked"
        assert (await s.client.get(CHECK, headers=bearer(tusky_raw))).status_code == 401
        assert (await s.client.get(CHECK, headers=bearer(ivory_raw))).status_code == 200
        assert sections((await s.client.get("/settings/apps")).text)[:1] == [str(ivory)]
        assert len(sections((await s.client.get("/settings/apps")).text)) == 2

        # and alice's app, or one revoked already, answers as a missing one
        for token_id in (theirs, tusky, 999999, "x1"):
            refused = await s.submit(f"/settings/apps/{token_id}/revoke")
            assert refused.status_code == 404
            assert "does not exist" in refused.text
        assert (await s.client.get(CHECK, headers=bearer(theirs_raw))).status_code == 200


async def test_a_stale_revoke_revokes_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        tusky, raw = await app_token(s, "bob", "Tusky")
        await s.sign_in("bob")
        answer = await s.client.post(f"/settings/apps/{tusky}/revoke", data={CSRF_FIELD: "stale"})
        assert answer.status_code == 403
        assert (await s.client.get(CHECK, headers=bearer(raw))).status_code == 200


async def test_sessions_mark_this_browser_and_sign_out_another(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.employee("alice")
        sessions = s.state.services.web_sessions
        elsewhere = await sessions.start((await s.account("bob")).id)
        hers = await sessions.start((await s.account("alice")).id)
        await s.sign_in("bob")
        page = await s.client.get("/settings/sessions")
        listed = re.findall(r'<li id="session-(\d+)">', page.text)
        assert len(listed) == 2
        assert page.text.count("(this browser)") == 1
        other = await sessions.current(elsewhere)
        assert other is not None
        this_one = next(i for i in listed if i != str(other.session.id))
        assert f'action="/settings/sessions/{this_one}/sign_out"' not in page.text

        answer = await s.submit(f"/settings/sessions/{other.session.id}/sign_out")

        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/sessions?notice=session_ended"
        assert await sessions.current(elsewhere) is None
        assert (await s.client.get("/settings/sessions")).status_code == 200
        her_session = await sessions.current(hers)
        assert her_session is not None
        for session_id in (her_session.session.id, other.session.id, this_one, 424242):
            refused = await s.submit(f"/settings/sessions/{session_id}/sign_out")
            assert refused.status_code == 404
            assert "does not exist" in refused.text
        assert await sessions.current(hers) is not None
        assert (await s.client.get("/settings/sessions")).status_code == 200


async def test_a_stale_sign_out_signs_out_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        elsewhere = await s.state.services.web_sessions.start((await s.account("bob")).id)
        other = await s.state.services.web_sessions.current(elsewhere)
        assert other is not None
        await s.sign_in("bob")
        answer = await s.client.post(f"/settings/sessions/{other.session.id}/sign_out", data={CSRF_FIELD: "stale"})
        assert answer.status_code == 403
        assert await s.state.services.web_sessions.current(elsewhere) is not None
