"""OAuth against a live server, with Mastodon.py and a form-driving browser stand-in.

Given a running server with employees; when a real client registers, signs
in by password or by the HTML code flow; then it gets working tokens, and
nobody gets more than they should.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import urlencode

import httpx
import pytest
import requests
from mastodon import Mastodon, MastodonIllegalArgumentError, MastodonUnauthorizedError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from server.mastodon.auth import require_user
from tests.integration.conftest import EmployeeSpec, LiveServer
from tests.integration.oauth_driver import Browser, only_form, pkce_pair, query_of

PASSWORD = "correct horse battery"
CALLBACK = "http://127.0.0.1:9/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write"]


async def whoami(request: Request) -> JSONResponse:
    viewer = await require_user(request, "read:accounts")
    return JSONResponse({"username": viewer.account.username, "scopes": sorted(viewer.scopes.scopes)})


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (
        EmployeeSpec("alice", "alice@example.com", PASSWORD),
        EmployeeSpec("bob", "bob@example.com", PASSWORD),
        EmployeeSpec("dora", "dora@example.com", PASSWORD, disabled=True),
    )


@pytest.fixture
def live_routes() -> Sequence[BaseRoute]:
    return (Route("/api/v1/test/whoami", whoami),)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@pytest.fixture
def browser(live_server: LiveServer) -> Iterator[Browser]:
    client = Browser(live_server.base_url)
    yield client
    client.close()


def register(server: LiveServer, session: requests.Session, redirect_uris: str | list[str] = OOB) -> tuple[str, str]:
    return Mastodon.create_app(
        "Test client", scopes=SCOPES, redirect_uris=redirect_uris, api_base_url=server.base_url, session=session
    )


def client_for(server: LiveServer, session: requests.Session, app: tuple[str, str], **kwargs: object) -> Mastodon:
    options: dict[str, object] = {"version_check_mode": "none", "session": session, **kwargs}
    return Mastodon(client_id=app[0], client_secret=app[1], api_base_url=server.base_url, **options)


def whoami_of(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}/api/v1/test/whoami", headers={"Authorization": f"Bearer {token}"})


def authorize_url(server: LiveServer, client_id: str, redirect_uri: str, **extra: str) -> str:
    query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "scope": "read write"}
    return f"{server.base_url}/oauth/authorize?{urlencode({**query, **extra})}"


@pytest.mark.parametrize("login", ["alice@example.com", "alice"])
def test_password_grant_with_email_or_username(live_server: LiveServer, session: requests.Session, login: str) -> None:
    app = register(live_server, session)
    api = client_for(live_server, session, app)

    token = api.log_in(login, PASSWORD, scopes=SCOPES, allow_http=True)

    assert whoami_of(live_server, token).json()["username"] == "alice"
    assert api.app_verify_credentials()["name"] == "Test client"


def test_code_flow_through_the_html_pages(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    app = register(live_server, session, [CALLBACK, "tusky://oauth"])
    api = client_for(live_server, session, app)
    url = api.auth_request_url(redirect_uris=CALLBACK, scopes=SCOPES, state="xyz-123", allow_http=True)

    sign_in = browser.open(url)
    consent = browser.sign_in(sign_in, "alice@example.com", PASSWORD)
    assert "Authorize Test client?" in consent.text and "@alice" in consent.text
    answer = browser.consent(consent)

    assert answer.status_code == 302
    assert answer.headers["location"].startswith(CALLBACK + "?")
    query = query_of(answer.headers["location"])
    assert query["state"] == "xyz-123"
    token = api.log_in(code=query["code"], redirect_uri=CALLBACK, scopes=SCOPES, allow_http=True)
    assert whoami_of(live_server, token).json() == {"username": "alice", "scopes": ["read", "write"]}


def test_a_code_works_once(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    app = register(live_server, session, CALLBACK)
    api = client_for(live_server, session, app)
    consent = browser.sign_in(browser.open(authorize_url(live_server, app[0], CALLBACK)), "alice", PASSWORD)
    code = query_of(browser.consent(consent).headers["location"])["code"]
    token = api.log_in(code=code, redirect_uri=CALLBACK, scopes=SCOPES, allow_http=True)

    with pytest.raises(MastodonIllegalArgumentError):
        api.log_in(code=code, redirect_uri=CALLBACK, scopes=SCOPES, allow_http=True)

    assert whoami_of(live_server, token).status_code == 401  # the reused code revoked its token


def test_pkce_code_flow(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    client_id, secret = register(live_server, session, CALLBACK)
    verifier, challenge = pkce_pair()
    url = authorize_url(live_server, client_id, CALLBACK, code_challenge=challenge, code_challenge_method="S256")
    consent = browser.sign_in(browser.open(url), "alice", PASSWORD)
    code = query_of(browser.consent(consent).headers["location"])["code"]
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "client_id": client_id}

    wrong = httpx.post(f"{live_server.base_url}/oauth/token", data={**grant, "code_verifier": "x" * 43},
                       auth=(client_id, secret))  # fmt: skip
    right = httpx.post(f"{live_server.base_url}/oauth/token", data={**grant, "code_verifier": verifier},
                       auth=(client_id, secret))  # fmt: skip

    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert right.status_code == 200 and right.json()["token_type"] == "Bearer"
    assert whoami_of(live_server, right.json()["access_token"]).json()["username"] == "alice"


def test_plain_pkce_is_refused_back_to_the_app(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    client_id, _ = register(live_server, session, CALLBACK)
    url = authorize_url(live_server, client_id, CALLBACK, code_challenge="a" * 43, code_challenge_method="plain", state="s")

    answer = browser.open(url)

    assert answer.status_code == 302
    assert query_of(answer.headers["location"]) | {"error_description": ""} == {
        "error": "invalid_request", "error_description": "", "state": "s"
    }  # fmt: skip


def test_out_of_band_shows_the_code(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    app = register(live_server, session)
    api = client_for(live_server, session, app)
    consent = browser.sign_in(browser.open(api.auth_request_url(scopes=SCOPES, allow_http=True)), "bob", PASSWORD)

    page = browser.consent(consent)

    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    code = page.text.split('<code id="authorization_code">')[1].split("</code>")[0]
    token = api.log_in(code=code, scopes=SCOPES, allow_http=True)
    assert whoami_of(live_server, token).json()["username"] == "bob"


def test_deny_sends_access_denied_with_state(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    client_id, _ = register(live_server, session, CALLBACK)
    consent = browser.sign_in(browser.open(authorize_url(live_server, client_id, CALLBACK, state="s1")), "bob", PASSWORD)

    answer = browser.consent(consent, "deny")

    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert query["error"] == "access_denied" and query["state"] == "s1" and "code" not in query


def test_app_only_token_is_anonymous_to_user_endpoints(live_server: LiveServer, session: requests.Session) -> None:
    client_id, secret = register(live_server, session)
    answer = httpx.post(f"{live_server.base_url}/oauth/token",
                        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})  # fmt: skip
    token = answer.json()["access_token"]
    api = Mastodon(access_token=token, api_base_url=live_server.base_url, version_check_mode="none", session=session)

    assert api.app_verify_credentials()["name"] == "Test client"
    refused = whoami_of(live_server, token)
    assert refused.status_code == 401
    assert refused.json() == {"error": "This method requires an authenticated user"}
    with pytest.raises(MastodonUnauthorizedError):
        api.timeline_home()


def test_revoked_token_stops_working(live_server: LiveServer, session: requests.Session) -> None:
    app = register(live_server, session)
    api = client_for(live_server, session, app)
    token = api.log_in("alice@example.com", PASSWORD, scopes=SCOPES, allow_http=True)

    api.revoke_access_token(allow_http=True)

    assert whoami_of(live_server, token).json() == {"error": "The access token is invalid"}


def test_instance_parses_with_and_without_version_check(live_server: LiveServer, session: requests.Session) -> None:
    checking = Mastodon(api_base_url=live_server.base_url, version_check_mode="created", session=session)
    lazy = Mastodon(api_base_url=live_server.base_url, version_check_mode="none", session=session)

    assert checking.retrieve_mastodon_version() == "4.3.0"
    assert checking.verify_minimum_version("4.3.0", cached=True)
    v1, v2 = lazy.instance_v1(), lazy.instance_v2()
    assert v1.uri == v2.domain == f"127.0.0.1:{live_server.base_url.rsplit(':', 1)[1]}"
    assert v2.api_versions["mastodon"] == 2 and v2.contact.account.username == "company"
    assert v2.configuration.statuses.max_characters == 500
    assert v2.configuration.urls.streaming == live_server.base_url.replace("http://", "ws://")
    assert v1.stats.user_count == 0 and v2.usage.users.active_month == 0


def test_disabled_employee_cannot_get_a_token(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    app = register(live_server, session)
    api = client_for(live_server, session, app)

    with pytest.raises(MastodonIllegalArgumentError):
        api.log_in("dora@example.com", PASSWORD, scopes=SCOPES, allow_http=True)
    page = browser.sign_in(browser.open(api.auth_request_url(scopes=SCOPES, allow_http=True)), "dora", PASSWORD)
    assert page.status_code == 403 and "Your login is currently disabled" in page.text


def test_force_login_asks_again_despite_a_session(live_server: LiveServer, session: requests.Session, browser: Browser) -> None:
    app = register(live_server, session)
    api = client_for(live_server, session, app)
    browser.sign_in(browser.open(api.auth_request_url(scopes=SCOPES, allow_http=True)), "alice", PASSWORD)

    remembered = browser.open(api.auth_request_url(scopes=SCOPES, allow_http=True))
    forced = browser.open(api.auth_request_url(scopes=SCOPES, force_login=True, allow_http=True))
    as_bob = browser.sign_in(forced, "bob", PASSWORD)

    assert only_form(remembered.text).action == "/oauth/authorize"
    assert only_form(forced.text).action == "/oauth/sign_in"
    assert "@bob" in as_bob.text


def test_unknown_scope_is_refused_at_registration(live_server: LiveServer, session: requests.Session) -> None:
    # Mastodon.create_app does not check the status; it fails reading the missing client_id.
    with pytest.raises(KeyError):
        Mastodon.create_app("Bad", scopes=["read", "fly"], api_base_url=live_server.base_url, session=session)
    answer = httpx.post(f"{live_server.base_url}/api/v1/apps", data={"client_name": "Bad", "redirect_uris": OOB,
                                                                    "scopes": "read fly"})  # fmt: skip
    assert answer.status_code == 422
    assert answer.json() == {"error": "Validation failed: Scopes doesn't match configured on the server."}
