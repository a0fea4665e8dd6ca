"""Single sign-on as the only way in ([sso] password_login = false), with a break-glass account.

Staff see only the "Sign in with ..." button; a password, even the right one,
signs no one in but a break-glass account (``account create --local-login``),
whose form hides behind ``/admin/sign_in?break_glass=1``. The password grant
tells an app to use the browser, with one answer for right and wrong
passwords, so it reveals no break-glass account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import httpx
import pytest

from storage.models import Role
from tests.idp_harness import OidcIdp, sso_environment
from tests.idp_pages import parse_page
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.oauth_driver import Browser, only_form

PASSWORD = "correct horse battery"
CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture
def live_environment(oidc_idp: OidcIdp) -> Mapping[str, str]:
    return sso_environment(oidc_idp, password_login="false")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (
        EmployeeSpec("carol", "carol@example.test", PASSWORD),
        EmployeeSpec("root", "root@example.test", PASSWORD, role=Role.ADMIN, local_login=True),
    )


@pytest.fixture
def browser(live_server: LiveServer) -> Iterator[Browser]:
    client = Browser(live_server.base_url)
    yield client
    client.close()


def register(server: LiveServer) -> tuple[str, str]:
    answer = httpx.post(f"{server.base_url}/api/v1/apps", data={
        "client_name": "Tusky", "redirect_uris": CALLBACK, "scopes": "read write"})
    return answer.json()["client_id"], answer.json()["client_secret"]


def password_grant(server: LiveServer, app: tuple[str, str], username: str, password: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}/oauth/token", data={
        "grant_type": "password", "username": username, "password": password, "client_id": app[0],
        "client_secret": app[1], "scope": "read"})


def test_the_sign_in_page_offers_only_the_provider(live_server: LiveServer, browser: Browser) -> None:
    client_id, _ = register(live_server)
    page = browser.open(f"/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={CALLBACK}")
    parsed = parse_page(page.text)
    assert parsed.links["sso"].startswith("/auth/sso/start?return_to=%2Foauth%2Fauthorize%3F")
    assert 'name="password"' not in page.text and "Sign in with Acme login" in page.text


def test_a_right_password_signs_no_one_in_through_the_form(live_server: LiveServer, browser: Browser) -> None:
    client_id, _ = register(live_server)
    authorize = f"/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={CALLBACK}"
    admin_form = browser.open("/admin/sign_in?break_glass=1")  # the only page that still has the form
    form = only_form(admin_form.text)
    refused = browser.submit(form, login="carol", password=PASSWORD)
    assert refused.status_code == 403 and "sign in with Acme login" in refused.text
    assert "insideout_session" not in browser.client.cookies
    # The OAuth form's POST, forged with a valid CSRF token although no page offers it, is refused alike.
    browser.open(authorize)
    token = only_form(browser.open("/admin/sign_in?break_glass=1").text).fields["authenticity_token"]
    posted = browser.client.post("/oauth/sign_in", data={
        "client_id": client_id, "response_type": "code", "redirect_uri": CALLBACK, "login": "carol",
        "password": PASSWORD, "authenticity_token": token})
    assert posted.status_code == 403 and "Passwords are not used here" in posted.text
    assert "insideout_session" not in browser.client.cookies


def test_a_break_glass_account_still_signs_in_with_its_password(live_server: LiveServer, browser: Browser) -> None:
    hidden = browser.open("/admin/sign_in")
    assert 'name="password"' not in hidden.text
    form = only_form(browser.open("/admin/sign_in?break_glass=1").text)
    signed_in = browser.submit(form, login="root", password=PASSWORD)
    assert signed_in.status_code == 303 and "insideout_session" in browser.client.cookies


def test_the_password_grant_points_apps_to_the_browser_and_reveals_nothing(live_server: LiveServer) -> None:
    app = register(live_server)
    right = password_grant(live_server, app, "carol", PASSWORD)
    wrong = password_grant(live_server, app, "carol", "not the password")
    unknown = password_grant(live_server, app, "nobody", PASSWORD)
    for answer in (right, wrong, unknown):
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_grant"
        assert "sign in through the browser" in answer.json()["error_description"]
    assert right.json() == wrong.json() == unknown.json()
    glass = password_grant(live_server, app, "root", PASSWORD)
    assert glass.status_code == 200 and glass.json()["token_type"] == "Bearer"
