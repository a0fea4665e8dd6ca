"""The settings index, the password and the posting defaults in the web app.

Given a signed-in employee; when they change their password or their
posting defaults through the page's forms; then the change is exactly
what the CLI reset and ``update_credentials`` make (the same rules, every
other session and token signed out), refused input comes back next to
its field with nothing saved, and this browser stays signed in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from tests.server.web.staff_site import PASSWORD, StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio
NEW = "a brand new passphrase"


async def other_session(s: StaffSite, username: str) -> str:
    """A second browser's session of the employee: its raw cookie value."""
    return await s.state.services.web_sessions.start((await s.account(username)).id)


async def test_the_index_links_every_settings_page(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        page = await s.client.get("/settings")
        assert page.status_code == 200
        assert 'href="/settings/profile"' in page.text
        for path in ("preferences", "notifications", "filters", "password", "apps", "sessions", "export"):
            assert f'href="/settings/{path}"' in page.text
            assert (await s.client.get(f"/settings/{path}")).status_code == 200


async def test_changing_the_password_signs_out_everything_else_but_this_browser(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        # Given bob signed in here, in another browser, and in an app
        bob = await s.employee("bob")
        await s.sign_in("bob")
        elsewhere = await other_session(s, "bob")

        # When he changes his password
        answer = await s.submit("/settings/password", current_password=PASSWORD, password=NEW,
                                password_confirmation=NEW)

        # Then he is back on the settings, still signed in here, and told the others are signed out
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings?notice=password_changed"
        page = await s.client.get(answer.headers["location"])
        assert page.status_code == 200
        assert "other sessions are signed out" in page.text
        assert await s.state.services.web_sessions.current(elsewhere) is None
        assert (await s.client.get("/api/v1/accounts/verify_credentials", headers=bob)).status_code == 401
        # and only the new password signs in
        s.sign_out_locally()
        assert (await s.sign_in("bob", PASSWORD)).status_code == 422
        assert (await s.sign_in("bob", NEW)).status_code == 303


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"current_password": "not my password", "password": NEW, "password_confirmation": NEW},
     "current_password", "not your current password"),
    ({"current_password": "", "password": NEW, "password_confirmation": NEW}, "current_password", "current password"),
    ({"current_password": PASSWORD, "password": "short", "password_confirmation": "short"}, "password", "too short"),
    ({"current_password": PASSWORD, "password": "", "password_confirmation": ""}, "password", "new password"),
    ({"current_password": PASSWORD, "password": NEW, "password_confirmation": NEW + "!"},
     "password_confirmation", "differ"),
])
async def test_a_refused_password_change_says_why_next_to_the_field_and_changes_nothing(
    tmp_path: Path, fields: dict[str, str], field: str, message: str,
) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        elsewhere = await other_session(s, "bob")

        answer = await s.submit("/settings/password", **fields)

        assert answer.status_code == 422
        assert message in (field_error(answer.text, field) or "")
        assert 'aria-invalid="true"' in answer.text
        assert await s.state.services.web_sessions.current(elsewhere) is not None
        assert (await s.client.get("/api/v1/accounts/verify_credentials", headers=bob)).status_code == 200
        s.sign_out_locally()
        assert (await s.sign_in("bob", PASSWORD)).status_code == 303


async def test_a_stale_password_form_changes_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.client.post("/settings/password", data={
            CSRF_FIELD: "stale", "current_password": PASSWORD, "password": NEW, "password_confirmation": NEW})
        assert answer.status_code == 403
        assert "expired" in (field_error(answer.text, "form") or "")
        s.sign_out_locally()
        assert (await s.sign_in("bob", PASSWORD)).status_code == 303


async def test_with_single_sign_on_only_the_page_says_passwords_are_not_used(tmp_path: Path) -> None:
    environ = {"INSIDEOUT_SSO_ISSUER": "https://idp.example.test", "INSIDEOUT_SSO_CLIENT_ID": "insideout",
               "INSIDEOUT_SSO_CLIENT_SECRET": "secret", "INSIDEOUT_SSO_DISPLAY_NAME": "Acme login",
               "INSIDEOUT_SSO_PASSWORD_LOGIN": "false"}
    async with staff_site(tmp_path, **environ) as s:
        await s.employee("bob")
        s.client.cookies.set("insideout_session", await other_session(s, "bob"))
        page = await s.client.get("/settings/password")
        assert page.status_code == 200
        assert "Passwords are not used here" in page.text
        assert "Acme login" in page.text
        assert 'name="current_password"' not in page.text
        answer = await s.submit("/settings/password", current_password=PASSWORD, password=NEW,
                                password_confirmation=NEW)
        assert answer.status_code == 403
        assert "Passwords are not used here" in answer.text
        user = await s.state.storage.accounts.get_user((await s.account("bob")).id)
        assert user is not None
        assert await s.state.passwords.verify(user.password_hash, PASSWORD)


async def test_posting_defaults_are_the_apis_preferences(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.submit("/settings/preferences", privacy="private", language="DE", sensitive="1")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/preferences?notice=saved"
        prefs = (await s.client.get("/api/v1/preferences", headers=bob)).json()
        assert prefs["posting:default:visibility"] == "private"
        assert prefs["posting:default:language"] == "de"
        assert prefs["posting:default:sensitive"] is True
        page = await s.client.get("/settings/preferences")
        assert 'value="private" checked' in page.text
        assert 'value="de"' in page.text
        # and the compose box starts from them
        assert 'value="private" selected' in (await s.client.get("/compose")).text
        # Unticking and emptying clears them
        await s.submit("/settings/preferences", privacy="public", language="")
        prefs = (await s.client.get("/api/v1/preferences", headers=bob)).json()
        assert prefs["posting:default:language"] is None
        assert prefs["posting:default:sensitive"] is False


@pytest.mark.parametrize(("fields", "field"), [
    ({"privacy": "direct", "language": "en"}, "privacy"),
    ({"privacy": "everyone", "language": "en"}, "privacy"),
    ({"language": "en"}, "privacy"),
    ({"privacy": "private", "language": "english"}, "language"),
    ({"privacy": "private", "language": "e1"}, "language"),
])
async def test_refused_defaults_are_shown_again_and_nothing_is_saved(
    tmp_path: Path, fields: dict[str, str], field: str,
) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.submit("/settings/preferences", sensitive="1", **fields)
        assert answer.status_code == 422
        assert field_error(answer.text, field)
        assert f'value="{fields["language"].lower()}"' in answer.text
        prefs = (await s.client.get("/api/v1/preferences", headers=bob)).json()
        assert prefs["posting:default:visibility"] == "public"
        assert prefs["posting:default:sensitive"] is False


async def test_a_stale_preferences_form_keeps_the_input(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        bob = await s.employee("bob")
        await s.sign_in("bob")
        answer = await s.client.post("/settings/preferences", data={
            CSRF_FIELD: "stale", "privacy": "unlisted", "language": "fr"})
        assert answer.status_code == 403
        assert 'value="unlisted" checked' in answer.text
        assert 'value="fr"' in answer.text
        prefs = (await s.client.get("/api/v1/preferences", headers=bob)).json()
        assert prefs["posting:default:visibility"] == "public"
