"""Single sign-on end to end: a real OpenID provider, a live server, Mastodon.py and the HTML forms.

The provider is panva's oidc-provider under node (tests/idp); the server
reaches it through its one outbound client on 127.0.0.1, a private address
allowed only because it is the configured issuer. A browser stand-in
(httpx, keeping cookies, following nothing on its own) drives every form:
the app's sign-in page, the provider's login, the consent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from mastodon import Mastodon

from tests.backends import on_postgresql
from tests.idp_harness import IdpUser, OidcIdp, sso_environment
from tests.idp_pages import parse_page
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.oauth_driver import Browser, only_form, query_of

CALLBACK = "http://127.0.0.1:9/callback"
SCOPES = ["read", "write"]
PASSWORD = "correct horse battery"


@pytest.fixture
def live_environment(oidc_idp: OidcIdp) -> Mapping[str, str]:
    return sso_environment(oidc_idp, groups_claim="groups", scopes="openid,profile,email,groups", publisher_groups="comms")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (EmployeeSpec("carol", "carol@example.test", PASSWORD),)


@pytest.fixture
def sso_server(live_server: LiveServer, oidc_idp: OidcIdp) -> LiveServer:
    oidc_idp.allow_redirect_uri(f"{live_server.base_url}/auth/sso/callback")
    return live_server


@pytest.fixture
def browser(sso_server: LiveServer) -> Iterator[Browser]:
    client = Browser(sso_server.base_url)
    yield client
    client.close()


def mastodon_app(server: LiveServer) -> Mastodon:
    with requests.Session() as session:
        client_id, secret = Mastodon.create_app("Ivory", scopes=SCOPES, redirect_uris=CALLBACK,
                                                api_base_url=server.base_url, session=session)
    return Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.base_url,
                    version_check_mode="none")


def sso_link(page: httpx.Response) -> str:
    link = parse_page(page.text).links.get("sso")
    assert link is not None, page.text
    return link


def through_the_provider(browser: Browser, oidc_idp: OidcIdp, sign_in_page: httpx.Response, user: IdpUser) -> str:
    """Press "Sign in with ...", log in at the provider, come back; the callback's redirect."""
    start = browser.open(sso_link(sign_in_page))
    assert start.status_code == 303 and start.headers["location"].startswith(oidc_idp.issuer)
    callback = oidc_idp.login(browser.client, start.headers["location"], user.username, user.password)
    back = browser.open(callback)
    assert back.status_code == 303, back.text
    return back.headers["location"]


def test_mastodon_py_signs_in_through_the_provider_and_posts(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser
) -> None:
    user = oidc_idp.new_user(username="dana.scully", email="dana@example.test", email_verified=True,
                             name="Dana Scully", groups=["comms"])
    api = mastodon_app(sso_server)
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state="st-1", allow_http=True)

    sign_in = browser.open(url)
    assert "Sign in with Acme login" in sign_in.text and 'name="password"' in sign_in.text
    authorize_again = through_the_provider(browser, oidc_idp, sign_in, user)
    consent = browser.open(authorize_again)
    assert "Authorize Ivory?" in consent.text and "@dana_scully" in consent.text
    answer = browser.submit(only_form(consent.text), decision="approve")
    assert answer.status_code == 302 and query_of(answer.headers["location"])["state"] == "st-1"

    api.log_in(code=query_of(answer.headers["location"])["code"], redirect_uri=CALLBACK, scopes=SCOPES,
               allow_http=True)
    me = api.account_verify_credentials()
    assert me["username"] == "dana_scully" and me["display_name"] == "Dana Scully"
    assert api.status_post("Signed in with the company login")["content"]


def test_a_second_sign_in_finds_the_same_account_and_the_groups_role(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser
) -> None:
    user = oidc_idp.new_user(email_verified=True, groups=["comms"])
    admin_sign_in = browser.open("/admin/sign_in")
    assert "Sign in with Acme login" in admin_sign_in.text
    landing = through_the_provider(browser, oidc_idp, admin_sign_in, user)
    assert landing.startswith("/admin/sign_in?next=")
    # Signed in: the sign-in page sends a publisher on to the admin pages.
    assert browser.open(landing).headers["location"] == "/admin"
    queue = browser.open(browser.open("/admin").headers["location"])
    assert queue.status_code == 200 and "Review queue" in queue.text

    browser.client.cookies.clear()
    again = through_the_provider(browser, oidc_idp, browser.open("/admin/sign_in"), user)
    assert browser.open(again).headers["location"] == "/admin"
    assert count_accounts_with_subject(sso_server, user.sub) == 1


def test_an_unverified_email_never_takes_over_an_existing_account(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser
) -> None:
    mallory = oidc_idp.new_user(username="mallory", email="carol@example.test", email_verified=False)
    start = browser.open(sso_link(browser.open("/admin/sign_in")))
    callback = oidc_idp.login(browser.client, start.headers["location"], mallory.username, mallory.password)
    refused = browser.open(callback)
    assert refused.status_code == 401 and "ask an administrator to link it" in refused.text
    assert count_accounts_with_subject(sso_server, mallory.sub) == 0
    assert "insideout_session" not in browser.client.cookies


def test_a_callback_replayed_or_opened_in_another_browser_signs_nobody_in(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser
) -> None:
    user = oidc_idp.new_user(email_verified=True)
    start = browser.open(sso_link(browser.open("/admin/sign_in")))
    callback = oidc_idp.login(browser.client, start.headers["location"], user.username, user.password)

    victim = Browser(sso_server.base_url)  # login CSRF: the attacker's callback link in someone else's browser
    try:
        stolen = victim.open(callback)
        assert stolen.status_code == 401 and "another browser" in stolen.text
        assert "insideout_session" not in victim.client.cookies
    finally:
        victim.close()
    replayed = browser.open(callback)  # the state was taken by the first try
    assert replayed.status_code == 401 and "expired or was already used" in replayed.text


def test_the_callback_goes_back_only_to_our_own_paths(
    sso_server: LiveServer, oidc_idp: OidcIdp, browser: Browser
) -> None:
    user = oidc_idp.new_user(email_verified=True)
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        start = browser.open(f"/auth/sso/start?return_to={httpx.QueryParams({'x': hostile})['x']}")
        query = parse_qs(urlsplit(start.headers["location"]).query)
        callback = oidc_idp.login(browser.client, start.headers["location"], user.username, user.password)
        assert query["redirect_uri"] == [f"{sso_server.base_url}/auth/sso/callback"]
        assert browser.open(callback).headers["location"] == "/"


def count_accounts_with_subject(server: LiveServer, subject: str) -> int:
    database = server.settings.storage.database
    if on_postgresql():
        import psycopg

        with psycopg.connect(database) as connection:
            row = connection.execute("SELECT count(*) FROM users WHERE sso_subject = %s", (subject,)).fetchone()
    else:
        with sqlite3.connect(database) as connection:
            row = connection.execute("SELECT count(*) FROM users WHERE sso_subject = ?", (subject,)).fetchone()
    return int(row[0]) if row else 0

