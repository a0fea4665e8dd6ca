"""The OAuth sign-in and consent pages in a real browser: what a person sees when an app asks for access.

Given an app registered with the out-of-band redirect; when a person signs
in and authorizes in headless Chromium; then the page shows a code that the
token endpoint exchanges for a working token. Browsers send the Origin of
these form POSTs, which the CSRF check needs (a no-referrer policy makes
it ``null``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.conftest import EmployeeSpec, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "correct horse battery"
OOB = "urn:ietf:wg:oauth:2.0:oob"


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (EmployeeSpec("alice", "alice@example.com", PASSWORD),)


def test_a_person_signs_in_and_authorizes_an_app_in_chromium(
    live_server: LiveServer, page: Page, screenshot: Callable[[str], Path]
) -> None:
    app = httpx.post(f"{live_server.base_url}/api/v1/apps",
                     data={"client_name": "Ivory", "redirect_uris": OOB, "scopes": "read write"}).json()
    query = urlencode({"client_id": app["client_id"], "response_type": "code", "redirect_uri": OOB,
                       "scope": "read write"})

    page.goto(f"{live_server.base_url}/oauth/authorize?{query}")
    page.fill("#login", "alice@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Authorize Ivory?")
    screenshot("consent")
    page.click("button[value=approve]")
    code = page.locator("#authorization_code").inner_text().strip()
    screenshot("code")

    token = httpx.post(f"{live_server.base_url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": OOB,
        "client_id": app["client_id"], "client_secret": app["client_secret"]}).json()
    me = httpx.get(f"{live_server.base_url}/api/v1/accounts/verify_credentials",
                   headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
