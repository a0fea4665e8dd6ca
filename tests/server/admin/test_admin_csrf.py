"""The admin pages' CSRF tokens are bound to the session, not to a cookie a sibling host could plant.

Given an admin signed in, and a post waiting; when a request rides the
session with a CSRF cookie planted next to it and the same value in the
form (the double-submit attack), or with the token of another session;
then it is refused with 403 and nothing changes. On an https instance
the cookies are ``__Host-`` prefixed: Secure, Path=/, no Domain.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.signin.sessions import CSRF_FIELD
from storage.models import PublicationState, Role
from tests.server.admin.pages import PASSWORD, Site, form_token, site
from tests.server.helpers import app_for, settings_for

pytestmark = pytest.mark.anyio

PLANTED = "planted-by-a-sibling-subdomain-0123456789"


async def given_a_post_and_a_signed_in_admin(s: Site) -> str:
    alice = await s.employee("alice")
    await s.employee("ada", role="admin")
    status_id = await s.post(alice, "Please publish #outside")
    await s.sign_in("ada")
    return status_id


async def test_a_planted_csrf_cookie_with_the_same_field_changes_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status_id = await given_a_post_and_a_signed_in_admin(s)
        s.client.cookies.delete("insideout_csrf")
        s.client.cookies.set("insideout_csrf", PLANTED)

        answer = await s.client.post(f"/admin/statuses/{status_id}/publish", data={CSRF_FIELD: PLANTED})

        assert answer.status_code == 403
        assert "CSRF" in answer.text
        assert (await s.status(status_id)).publication_state is PublicationState.INTERNAL


async def test_a_token_of_one_session_is_refused_in_another(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        status_id = await given_a_post_and_a_signed_in_admin(s)
        await s.employee("bo", role="admin")
        adas_token = await s.csrf()
        await s.sign_in("bo")  # the same browser, its CSRF cookie kept: only the session changes

        refused = await s.client.post(f"/admin/statuses/{status_id}/publish", data={CSRF_FIELD: adas_token})
        unchanged = (await s.status(status_id)).publication_state
        accepted = await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out")

        assert refused.status_code == 403
        assert unchanged is PublicationState.INTERNAL
        assert accepted.status_code == 303
        assert (await s.status(status_id)).publication_state is PublicationState.PUBLISHED


async def test_signing_out_and_in_again_makes_a_new_token(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await given_a_post_and_a_signed_in_admin(s)
        first = await s.csrf()
        await s.submit("/admin/sign_out")
        signed_out = await s.csrf()
        await s.sign_in("ada")

        assert len({first, signed_out, await s.csrf()}) == 3


async def test_https_instances_use_host_prefixed_secure_cookies(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://social.example"))
    async with app.router.lifespan_context(app):
        await app.state.insideout.services.accounts.create_employee("ada", "ada@example.com", PASSWORD,
                                                                    role=Role.ADMIN)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://social.example") as client:
            form = await client.get("/admin/sign_in")
            signed_in = await client.post("/admin/sign_in", data={
                "login": "ada", "password": PASSWORD, CSRF_FIELD: form_token(form.text)})
            queue = await client.get("/admin/queue")

    csrf_cookie, session_cookie = attributes(form.headers["set-cookie"]), attributes(signed_in.headers["set-cookie"])
    assert csrf_cookie["name"] == "__Host-insideout_csrf"
    assert session_cookie["name"] == "__Host-insideout_session"
    for cookie in (csrf_cookie, session_cookie):
        assert "secure" in cookie
        assert cookie["path"] == "/"
        assert "httponly" in cookie
        assert "domain" not in cookie
    assert signed_in.status_code == 303
    assert queue.status_code == 200


def attributes(set_cookie: str) -> dict[str, str]:
    """A Set-Cookie header's name and attributes, the attribute names in lower case."""
    first, *rest = set_cookie.split(";")
    pairs = [part.strip().partition("=") for part in rest]
    return {"name": first.partition("=")[0], **{name.lower(): value for name, _, value in pairs}}
