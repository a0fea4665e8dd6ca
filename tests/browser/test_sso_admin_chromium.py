"""Headless Chromium signs in to the admin pages through the real OpenID provider.

The admin sign-in page's "Sign in with ..." button leads to the provider's
login form (tests/idp), whose labelled fields Chromium fills; the provider
sends it back to /auth/sso/callback, and a person in the provider's
publisher group lands on the review queue, signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.idp_harness import OidcIdp, sso_environment
from tests.integration.conftest import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture
def live_environment(oidc_idp: OidcIdp) -> Mapping[str, str]:
    return sso_environment(oidc_idp, groups_claim="groups", scopes="openid,profile,email,groups", publisher_groups="comms",
                           password_login="false")


def test_chromium_signs_in_to_the_admin_pages_through_the_provider(
    live_server: LiveServer, oidc_idp: OidcIdp, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import expect

    oidc_idp.allow_redirect_uri(f"{live_server.base_url}/auth/sso/callback")
    user = oidc_idp.new_user(name="Fox Mulder", email_verified=True, groups=["comms"])
    page.goto(f"{live_server.base_url}/admin/sign_in")
    expect(page.get_by_label("Password")).to_have_count(0)  # single sign-on is the only way in
    page.get_by_role("link", name="Sign in with Acme login").click()

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.base_url}/admin/**")
    screenshot("signed-in")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review queue")
    assert any(cookie["name"] == "insideout_session" for cookie in page.context.cookies())
