"""The test IdP's sign-in page in a real browser, driven as the single sign-on's page tests will.

Given a user at the IdP (``oidc_idp``, a real oidc-provider); when headless Chromium opens an
authorization URL, fills the labelled fields and presses Sign in; then a wrong password shows
the error on the page, and the right one lands on the relying party's callback with a code that
the token endpoint exchanges. No server stands behind the callback: the browser answers it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tests.idp_harness import OidcIdp

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

CALLBACK = "http://127.0.0.1:8125/auth/sso/callback"


def test_chromium_signs_in_through_the_idp_forms(
    oidc_idp: OidcIdp, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import expect

    # Given a user, and an authorization request for a callback the browser answers itself
    oidc_idp.allow_redirect_uri(CALLBACK)
    user = oidc_idp.new_user(groups=("engineering",))
    request = oidc_idp.authorization_request(CALLBACK)

    def relying_party(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<p id='relying-party'>callback</p>")

    page.route(f"{CALLBACK}?*", relying_party)
    page.goto(request.url)

    # When the password is wrong, the page says so and keeps the username
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_have_text("Invalid username or password.")
    expect(page.get_by_label("Username")).to_have_value(user.username)
    screenshot("wrong-password")

    # When it is right, the browser lands on the callback with a code for this request
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#relying-party")).to_have_text("callback")
    callback = parse_qs(urlsplit(page.url).query)
    assert callback["state"] == [request.state]
    assert callback["iss"] == [oidc_idp.issuer]
    tokens = oidc_idp.exchange_code(callback["code"][0], request)
    assert tokens["token_type"] == "Bearer"
