"""The authorize pages: validation before any redirect, CSRF, sessions, escaping."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from server.signin.throttle import SignInThrottle
from tests.server.mastodon.oauth_helpers import CALLBACK, PASSWORD, Served, register, served

pytestmark = pytest.mark.anyio
__all__ = ["served"]


def authorize_path(client_id: str, **extra: str) -> str:
    query = {"client_id": client_id, "response_type": "code", "redirect_uri": CALLBACK, "scope": "read", **extra}
    return "/oauth/authorize?" + urlencode(query)


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {html.unescape(name): html.unescape(value) for name, value in found}


async def sign_in(served: Served, path: str, login: str = "alice", password: str = PASSWORD) -> httpx.Response:
    page = await served.client.get(path)
    return await served.client.post("/oauth/sign_in", data={**hidden_fields(page.text), "login": login,
                                                             "password": password})  # fmt: skip


async def test_unknown_client_gets_a_page_not_a_redirect(served: Served) -> None:
    answer = await served.client.get(authorize_path("nobody"))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "unknown client" in answer.text


async def test_unregistered_redirect_uri_gets_a_page_not_a_redirect(served: Served) -> None:
    answer = await served.client.get(authorize_path(served.client_id, redirect_uri="https://evil.example/cb"))
    assert answer.status_code == 400 and "location" not in answer.headers


async def test_wrong_response_type_is_sent_back_to_the_app(served: Served) -> None:
    answer = await served.client.get(authorize_path(served.client_id, response_type="token", state="st"))
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert answer.status_code == 302 and query["error"] == ["unsupported_response_type"] and query["state"] == ["st"]


async def test_scope_beyond_the_app_is_sent_back_as_invalid_scope(served: Served) -> None:
    answer = await served.client.get(authorize_path(served.client_id, scope="read admin:write"))
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["invalid_scope"]


async def test_sign_in_without_csrf_token_is_forbidden(served: Served) -> None:
    page = await served.client.get(authorize_path(served.client_id))
    fields = {k: v for k, v in hidden_fields(page.text).items() if k != "authenticity_token"}

    answer = await served.client.post("/oauth/sign_in", data={**fields, "login": "alice", "password": PASSWORD})

    assert answer.status_code == 403 and "set-cookie" not in answer.headers


async def test_forged_csrf_token_is_forbidden(served: Served) -> None:
    page = await served.client.get(authorize_path(served.client_id))
    fields = {**hidden_fields(page.text), "authenticity_token": "forged-forged-forged-forged"}

    answer = await served.client.post("/oauth/sign_in", data={**fields, "login": "alice", "password": PASSWORD})

    assert answer.status_code == 403


async def test_cross_site_origin_is_forbidden_even_with_the_token(served: Served) -> None:
    page = await served.client.get(authorize_path(served.client_id))
    answer = await served.client.post("/oauth/sign_in", headers={"Origin": "https://evil.example"},
                                      data={**hidden_fields(page.text), "login": "alice", "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 403


async def test_consent_without_csrf_token_is_forbidden(served: Served) -> None:
    signed_in = await sign_in(served, authorize_path(served.client_id))
    consent = await served.client.get(signed_in.headers["location"])
    fields = {k: v for k, v in hidden_fields(consent.text).items() if k != "authenticity_token"}

    answer = await served.client.post("/oauth/authorize", data={**fields, "decision": "approve"})

    assert answer.status_code == 403 and "location" not in answer.headers


async def test_sign_in_sets_a_session_cookie_and_redirects_to_consent(served: Served) -> None:
    answer = await sign_in(served, authorize_path(served.client_id, force_login="true"))

    assert answer.status_code == 303 and "force_login" not in answer.headers["location"]
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("insideout_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_wrong_password_shows_the_form_again(served: Served) -> None:
    answer = await sign_in(served, authorize_path(served.client_id), password="wrong password")
    assert answer.status_code == 422 and "Invalid email, username or password." in answer.text


async def test_sign_in_is_throttled_per_ip(served: Served) -> None:
    # A stopped clock: each unknown login costs a full password hash, slow enough to refill a token.
    served.app.state.insideout.sign_in_throttle = SignInThrottle(clock=lambda: 1_700_000_000.0)
    page = await served.client.get(authorize_path(served.client_id))
    fields = hidden_fields(page.text)
    statuses = [
        (await served.client.post("/oauth/sign_in", data={**fields, "login": f"nobody{n}", "password": "x"})).status_code
        for n in range(26)
    ]
    assert statuses[:25] == [422] * 25 and statuses[25] == 429


async def test_consent_page_escapes_the_app_name(served: Served) -> None:
    app = await register(served.client, client_name='<script>alert("x")</script>', redirect_uris=CALLBACK)
    signed_in = await sign_in(served, authorize_path(app["client_id"]))

    consent = await served.client.get(signed_in.headers["location"])

    assert "<script>" not in consent.text and "&lt;script&gt;" in consent.text
    assert consent.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in consent.headers[
        "content-security-policy"]  # fmt: skip


async def test_approval_issues_a_code_bound_to_the_request(served: Served) -> None:
    signed_in = await sign_in(served, authorize_path(served.client_id, state="a b&c"))
    consent = await served.client.get(signed_in.headers["location"])

    answer = await served.client.post("/oauth/authorize", data={**hidden_fields(consent.text), "decision": "approve"})

    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert answer.status_code == 302 and query["state"] == ["a b&c"]
    token = await served.token_request(grant_type="authorization_code", code=query["code"][0], redirect_uri=CALLBACK)
    assert token.json()["scope"] == "read"


async def test_signed_out_consent_post_asks_to_sign_in(served: Served) -> None:
    page = await served.client.get(authorize_path(served.client_id))
    answer = await served.client.post("/oauth/authorize", data={**hidden_fields(page.text), "decision": "approve"})
    assert answer.status_code == 200 and 'action="/oauth/sign_in"' in answer.text


async def test_https_instances_use_host_prefixed_secure_cookies(tmp_path: object) -> None:
    from pathlib import Path

    from tests.server.helpers import app_for, serving, settings_for

    app = app_for(settings_for(Path(str(tmp_path)), INSIDEOUT_SERVER_BASE_URL="https://social.example"))
    async with serving(app) as client:
        registered = await register(client)
        page = await client.get(authorize_path(registered["client_id"]))
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-insideout_csrf=") and "Secure" in cookie and "Path=/" in cookie
