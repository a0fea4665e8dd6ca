"""Admins create colleagues, invite them and reset passwords with one-time links; the links' own page.

Given an admin signed in to the admin pages; when they create a person or
hand out a reset link, then they see a one-time link once; the person opens
it, sets a password and signs in with it; the link never works twice, nor
after it expired; and each step is in the admin log. A refused form comes
back with the typed input and the message beside the field.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from server.services.access_tokens import digest_token, new_token
from server.signin.sessions import CSRF_FIELD
from storage.clock import utcnow
from storage.models import Role
from storage.password_links import LinkPurpose, NewPasswordLink
from tests.server.admin.pages import PASSWORD, Site, form_token, site
from tests.server.helpers import bearer

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a brand new passphrase"


def one_time_path(html: str) -> str:
    """The path of the one-time link the page shows the admin."""
    match = re.search(r'id="one-time-link" type="text" readonly value="([^"]+)"', html)
    assert match is not None, "no one-time link on the page"
    return urlsplit(match.group(1)).path


async def set_password(s: Site, path: str, password: str = NEW_PASSWORD, again: str | None = None) -> httpx.Response:
    """The colleague, in their own browser: open the link, fill in the form."""
    form = await s.client.get(path)
    assert form.status_code == 200, form.text
    return await s.client.post(path, data={CSRF_FIELD: form_token(form.text), "password": password,
                                           "password_confirmation": password if again is None else again})


async def actions_for(s: Site, username: str) -> list[str]:
    account = await s.account(username)
    return [a.action for a in await s.state.storage.admin.actions(target_type="account", target_id=str(account.id))]


async def test_an_admin_creates_a_colleague_who_sets_a_password_and_signs_in(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        created = await s.submit("/admin/accounts", username="noor", display_name="Noor Haddad",
                                 email="noor@example.com", role="publisher")
        path = one_time_path(created.text)
        s.sign_out_locally()  # the colleague's own browser
        page = await s.client.get(path)
        done = await set_password(s, path)
        signed_in = await s.sign_in("noor", NEW_PASSWORD)
        s.sign_out_locally()
        again = await s.client.get(path)

        assert created.status_code == 201
        assert "@noor" in created.text
        assert path.startswith("/auth/reset/")
        assert page.status_code == 200
        assert "@noor" in page.text
        assert 'autocomplete="new-password"' in page.text
        assert done.status_code == 303
        assert done.headers["location"] == "/auth/sign_in?notice=password_set"
        assert signed_in.status_code == 303
        noor = await s.account("noor")
        user = await s.state.storage.accounts.get_user(noor.id)
        assert user is not None and user.role is Role.PUBLISHER and user.email == "noor@example.com"
        assert noor.display_name == "Noor Haddad"
        assert again.status_code == 410
        assert "already used" in again.text
        assert await actions_for(s, "noor") == ["account.password_set", "account.invite", "account.create"]


async def test_the_link_is_stored_only_as_a_digest(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        created = await s.submit("/admin/accounts", username="noor", display_name="Noor", email="noor@example.com")
        token = one_time_path(created.text).rsplit("/", 1)[1]

        assert await s.state.storage.password_links.get(token) is None
        stored = await s.state.storage.password_links.get(digest_token(token))
        assert stored is not None and stored.purpose is LinkPurpose.INVITE
        assert timedelta(days=6) < stored.expires_at - utcnow() <= timedelta(days=7)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"username": ""}, "username", "A username is required."),
    ({"username": "no spaces"}, "username", "use 1 to 30 letters, digits or underscores"),
    ({"username": "ada"}, "username", "is taken"),
    ({"display_name": ""}, "display_name", "A display name is required."),
    ({"email": "not-an-email"}, "email", "Invalid email address"),
    ({"email": "ada@example.com"}, "email", "already in use"),
    ({"role": "boss"}, "role", "The role must be staff, publisher or admin."),
])
async def test_a_refused_new_person_comes_back_with_the_message_beside_the_field(
    tmp_path: Path, fields: dict[str, str], field: str, message: str,
) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        typed = {"username": "noor", "display_name": "Noor Typed", "email": "noor@example.com", "role": "staff",
                 **fields}

        answer = await s.submit("/admin/accounts", **typed)

        assert answer.status_code == 422
        error = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', answer.text)
        assert error is not None, answer.text
        assert message in error.group(1)
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*f-{field}-error',
                         answer.text)
        assert "Noor Typed" in answer.text or field == "display_name"  # what was typed is kept
        assert await s.state.storage.accounts.get_local("noor") is None or field != "username"
        assert "account.create" not in [a.action for a in await s.state.storage.admin.actions()]


async def test_a_stale_csrf_token_creates_nobody(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        stale = await s.csrf()
        await s.sign_in("ada")  # a new session: the old page's token is stale now

        answer = await s.client.post("/admin/accounts", data={
            CSRF_FIELD: stale, "username": "noor", "display_name": "Noor", "email": "noor@example.com"})

        assert answer.status_code == 403
        assert "CSRF" in answer.text
        assert await s.state.storage.accounts.get_local("noor") is None


async def test_a_reset_link_locks_nobody_out_until_it_is_used_then_signs_out_everywhere_else(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        sam_api = await s.employee("sam")
        sam = await s.account("sam")
        await s.sign_in("ada")

        issued = await s.submit(f"/admin/accounts/{sam.id}/password_link")
        path = one_time_path(issued.text)
        s.sign_out_locally()
        still_works = await s.sign_in("sam")  # the old password, before the link is used
        api_before = await s.client.get("/api/v1/accounts/verify_credentials", headers=sam_api)
        sams_session = dict(s.client.cookies)
        done = await set_password(s, path)
        s.client.cookies.clear()
        s.client.cookies.update(sams_session)
        old_session = await s.client.get("/admin/mine")
        api_after = await s.client.get("/api/v1/accounts/verify_credentials", headers=sam_api)
        s.sign_out_locally()
        old_password = await s.sign_in("sam")
        new_password = await s.sign_in("sam", NEW_PASSWORD)

        assert issued.status_code == 200
        assert "reset link" in issued.text
        assert still_works.status_code == 303
        assert api_before.status_code == 200
        assert done.status_code == 303
        assert old_session.headers.get("location", "").startswith("/admin/sign_in")
        assert api_after.status_code == 401
        assert old_password.status_code == 422
        assert new_password.status_code == 303
        assert await actions_for(s, "sam") == ["account.password_set", "account.password_reset"]


async def test_a_newer_link_voids_the_older_one_and_an_invitation_can_be_sent_again(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        created = await s.submit("/admin/accounts", username="noor", display_name="Noor", email="noor@example.com")
        noor = await s.account("noor")

        first = one_time_path(created.text)
        second = one_time_path((await s.submit(f"/admin/accounts/{noor.id}/invite")).text)
        s.sign_out_locally()
        voided = await s.client.get(first)
        usable = await s.client.get(second)

        assert voided.status_code == 410
        assert usable.status_code == 200


async def test_an_expired_or_unknown_link_says_so_plainly(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("sam")
        sam = await s.account("sam")
        raw = new_token()
        await s.state.storage.password_links.add(NewPasswordLink(
            sam.id, digest_token(raw), LinkPurpose.RESET, "user:1", utcnow() - timedelta(minutes=1)))

        expired = await s.client.get(f"/auth/reset/{raw}")
        posted = await s.client.post(f"/auth/reset/{raw}", data={CSRF_FIELD: await s.csrf(),
                                                                 "password": NEW_PASSWORD,
                                                                 "password_confirmation": NEW_PASSWORD})
        unknown = await s.client.get(f"/auth/reset/{new_token()}")

        assert expired.status_code == 410
        assert "expired" in expired.text
        assert posted.status_code == 410
        assert unknown.status_code == 404
        assert "not valid" in unknown.text
        assert (await s.sign_in("sam", NEW_PASSWORD)).status_code == 422
        assert (await s.sign_in("sam", PASSWORD)).status_code == 303


async def test_the_password_form_keeps_the_link_usable_after_a_refusal(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.employee("sam")
        sam = await s.account("sam")
        await s.sign_in("ada")
        path = one_time_path((await s.submit(f"/admin/accounts/{sam.id}/password_link")).text)
        s.sign_out_locally()

        short = await set_password(s, path, "short")
        differ = await set_password(s, path, NEW_PASSWORD, again="something else entirely")
        form = await s.client.get(path)
        stale = await s.client.post(path, data={CSRF_FIELD: "f" * 43, "password": NEW_PASSWORD,
                                                "password_confirmation": NEW_PASSWORD})
        done = await set_password(s, path)

        assert short.status_code == 422
        assert re.search(r'id="password-error">Password is too short', short.text)
        assert re.search(r'id="password"[^>]*aria-invalid="true"', short.text)
        assert differ.status_code == 422
        assert 'id="password_confirmation-error">The two passwords differ.' in differ.text
        assert form.status_code == 200
        assert stale.status_code == 403
        assert "reload the page" in stale.text
        assert done.status_code == 303


async def test_links_are_for_admins_and_for_enabled_employees_only(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.employee("pia", role="publisher")
        await s.employee("gone")
        gone = await s.account("gone")
        company = (await s.state.services.organisation_profiles.company())
        await s.sign_in("ada")
        await s.submit(f"/admin/accounts/{gone.id}/disable", reason="left")

        disabled = await s.submit(f"/admin/accounts/{gone.id}/password_link")
        organisation = await s.submit(f"/admin/accounts/{company.id}/password_link")
        await s.sign_in("pia")
        publisher = await s.submit("/admin/accounts", username="noor", display_name="Noor", email="noor@example.com")

        assert disabled.status_code == 422
        assert f'id="link-{gone.id}-error"' in disabled.text
        assert "disabled" in disabled.text
        assert organisation.status_code == 404
        assert publisher.status_code == 403
        assert await s.state.storage.accounts.get_local("noor") is None


async def test_a_refused_row_action_shows_its_message_beside_that_row(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        ada = await s.account("ada")
        await s.employee("sam")
        sam = await s.account("sam")
        await s.sign_in("ada")

        last_admin = await s.submit(f"/admin/accounts/{ada.id}/role", role="staff")
        no_reason = await s.submit(f"/admin/accounts/{sam.id}/expose", reason=" ")

        assert last_admin.status_code == 409
        assert f'<p class="field-error" id="role-{ada.id}-error" role="alert">' in last_admin.text
        assert "last admin" in last_admin.text
        assert no_reason.status_code == 422
        assert f'aria-describedby="expose-{sam.id}-error"' in no_reason.text


async def test_people_are_shown_as_links_to_their_profiles(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        accounts = await s.client.get("/admin/accounts")

        assert '<a class="who-link" href="/@ada">@ada</a>' in accounts.text
        assert '<a class="who-link" href="/@company">@company</a>' in accounts.text
        assert (await s.client.get("/api/v1/accounts/verify_credentials", headers=bearer("nope"))).status_code == 401


async def test_the_access_log_keeps_the_route_of_a_link_but_not_its_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="insideout.access")
    async with site(tmp_path) as s:
        raw = new_token()

        await s.client.get(f"/auth/reset/{raw}")

    paths = [getattr(r, "path", "") for r in caplog.records if r.name == "insideout.access"]
    assert "/auth/reset/[redacted]" in paths
    assert not any(raw in str(r.__dict__) for r in caplog.records)
