"""Every admin page passes axe-core's WCAG 2.1 A/AA rules, light and dark, at 1280 and 390 px, in Chromium.

Given a live server with an admin, a colleague's post waiting in the queue
and a refused form; when each admin page (and a one-time link's page) is
opened in a fresh browser context per colour scheme and width; then axe
finds no violation of impact serious or critical, nor of the heading and
landmark rules (``axe.STRUCTURE``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from storage.models import Role
from tests.browser.axe import audit, blocking, describe
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_admin_pages_chromium import PASSWORD, nominate
from tests.integration.conftest import EmployeeSpec, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

SCHEMES = ("light", "dark")
WIDTHS = (1280, 390)
PAGES = ("/admin/queue", "/admin/statuses", "/admin/statuses/{post}/publish", "/admin/published", "/admin/audit",
         "/admin/accounts", "/admin/exposure", "/admin/organization", "/admin/departments", "/admin/mine",
         "/admin/federation", "/admin/reports", "/admin/announcements", "/admin/analytics",
         "/admin/analytics/posts/{post}", "/admin/analytics/campaigns/outside")


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (EmployeeSpec("alice", "alice@example.com", PASSWORD),
            EmployeeSpec("ada", "ada@example.com", PASSWORD, role=Role.ADMIN))


def _signed_in(browser: Browser, base: str) -> Any:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/admin/sign_in")
        page.fill("#login", "ada")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{base}/admin/queue")
        return context.storage_state()
    finally:
        context.close()


def _check(browser: Browser, base: str, path: str, state: Any, found: list[str], *, refuse: bool = False) -> None:
    for scheme in SCHEMES:
        for width in WIDTHS:
            # bypass_csp: only so that axe's own script can be injected; the pages' CSP is tested elsewhere.
            context = browser.new_context(bypass_csp=True, color_scheme=scheme,  # type: ignore[arg-type]
                                          viewport={"width": width, "height": 900}, storage_state=state)
            try:
                page = context.new_page()
                response = page.goto(f"{base}{path}")
                assert response is not None and response.status < 400, f"{path} answered {response and response.status}"
                if refuse:  # the new-person form, refused: the messages beside the fields
                    page.fill("#f-username", "ada")
                    page.fill("#f-display_name", "Ada again")
                    page.fill("#f-email", "not-an-email")
                    page.locator("#f-email").evaluate("e => e.type = 'text'")
                    page.click("button:has-text('Create and show the invitation link')")
                    page.wait_for_selector("#f-username-error")
                violations = audit(page)
            finally:
                context.close()
            where = f"{path}{' (refused)' if refuse else ''} ({scheme}, {width} px)"
            others = [v for v in violations if v not in blocking(violations)]
            if others:
                print(describe(where, others))
            if blocking(violations):
                found.append(describe(where, blocking(violations)))


def test_the_admin_pages_have_no_serious_accessibility_violation(live_server: LiveServer) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-test-tools (apt package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    base = live_server.base_url
    post = nominate(base)
    found: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            state = _signed_in(browser, base)
            for path in PAGES:
                _check(browser, base, path.format(post=post), state, found)
            _check(browser, base, "/admin/accounts", state, found, refuse=True)
            link = _reset_link(browser, state, base)
            _check(browser, base, link, None, found)
            _check(browser, base, "/admin/sign_in", None, found)
        finally:
            browser.close()
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


def _reset_link(browser: Browser, state: Any, base: str) -> str:
    """A fresh one-time link for alice, as the admin is shown it."""
    context = browser.new_context(storage_state=state)
    try:
        page = context.new_page()
        page.goto(f"{base}/admin/accounts")
        page.locator("tr", has_text="@alice").locator("button:has-text('Password reset link')").click()
        link = page.locator("#one-time-link").input_value()
    finally:
        context.close()
    match = re.match(r"https?://[^/]+(/auth/reset/.+)", link)
    assert match is not None
    return match.group(1)
