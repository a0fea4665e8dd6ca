"""The admin pages in real headless Chromium: the review queue, new colleagues, departments, a phone's width.

Given a live server with a staff member and a publisher, and a post the
staff member nominated with #outside from a Mastodon client (the API);
when the publisher signs in through the form and clicks through the
pages; then each page shows the new state, and nothing but the server
and the browser took part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import requests

from storage.models import Role
from tests.integration.conftest import EmployeeSpec, LiveServer

PASSWORD = "correct horse battery"
POST_TEXT = "Our spring catalogue is out #outside"


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return (EmployeeSpec("alice", "alice@example.com", PASSWORD),
            EmployeeSpec("pia", "pia@example.com", PASSWORD, role=Role.PUBLISHER),
            EmployeeSpec("ada", "ada@example.com", PASSWORD, role=Role.ADMIN))


def nominate(base_url: str) -> str:
    """Alice posts from 'a Mastodon client': an app, a password-grant token, a status with the hashtag."""
    with requests.Session() as http:
        app = http.post(f"{base_url}/api/v1/apps", data={
            "client_name": "browser-test", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"},
            timeout=10).json()
        token = http.post(f"{base_url}/oauth/token", data={
            "grant_type": "password", "username": "alice@example.com", "password": PASSWORD, "scope": "read write",
            "client_id": app["client_id"], "client_secret": app["client_secret"]}, timeout=10).json()["access_token"]
        status = http.post(f"{base_url}/api/v1/statuses", headers={"Authorization": f"Bearer {token}"},
                           data={"status": POST_TEXT, "visibility": "public"}, timeout=10)
        status.raise_for_status()
        status_id: str = status.json()["id"]
        return status_id


def test_a_publisher_approves_a_queued_post_then_unpublishes_it(
    live_server: LiveServer, page: object, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    status_id = nominate(live_server.base_url)

    # When the publisher opens the queue, they are sent to the sign-in form first
    page.goto(f"{live_server.base_url}/admin/queue")
    expect(page).to_have_url(f"{live_server.base_url}/admin/sign_in?next=/admin/queue")
    page.fill("#login", "pia")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")

    # Then the queue shows the nominated post, announced by the company by default
    expect(page.locator("h1")).to_have_text("Review queue")
    item = page.locator(f"article.queue-item[data-status-id='{status_id}']")
    expect(item).to_contain_text(POST_TEXT)
    expect(item.locator(".announcers")).to_have_text("@company")
    screenshot("1-queue")

    # When they approve it
    item.locator("button:has-text('Approve')").click()
    expect(page.locator(".notice")).to_have_text("Approved: the post is published.")
    expect(page.locator(f"article.queue-item[data-status-id='{status_id}']")).to_have_count(0)

    # Then the posts page shows it as published
    page.goto(f"{live_server.base_url}/admin/statuses?state=published")
    row = page.locator(f"#status-{status_id}")
    expect(row.locator(".state")).to_have_text("published")
    screenshot("2-published")

    # When they unpublish it, the page shows it retracted and offers to publish it again
    row.locator("button:has-text('Unpublish')").click()
    expect(page.locator(".notice")).to_contain_text("Unpublished")
    row = page.locator(f"#status-{status_id}")
    expect(row.locator(".state")).to_have_text("retracted")
    expect(row.locator("button")).to_have_text("Publish again (new URI)…")
    expect(page.locator("main")).to_contain_text("not a recall")
    shot = screenshot("3-retracted")
    assert shot.stat().st_size > 0


def test_a_staff_member_reaches_only_their_own_posts_page(
    live_server: LiveServer, page: object, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{live_server.base_url}/admin/sign_in")
    page.fill("#login", "alice@example.com")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")

    expect(page).to_have_url(f"{live_server.base_url}/admin/mine")
    expect(page.locator("#mine")).to_be_visible()
    screenshot("mine")
    page.goto(f"{live_server.base_url}/admin/queue")
    expect(page.locator(".error")).to_contain_text("Only publishers and admins")


def sign_in(page: object, base_url: str, login: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{base_url}/admin/sign_in")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")


def test_an_admin_creates_a_colleague_who_sets_a_password_from_the_link_and_signs_in(
    live_server: LiveServer, page: object, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = live_server.base_url
    sign_in(page, base, "ada")

    # When the admin fills in the new colleague's details
    page.goto(f"{base}/admin/accounts")
    form = page.locator("#add-person")
    form.get_by_label("Username").fill("noor")
    form.get_by_label("Display name").fill("Noor Haddad")
    form.get_by_label("Work email").fill("noor@example.com")
    form.get_by_label("Role", exact=True).select_option("staff")
    page.click("button:has-text('Create and show the invitation link')")

    # Then they see the one-time link once, and copy it
    link_field = page.locator("#one-time-link")
    expect(link_field).to_be_visible()
    link = link_field.input_value()
    assert link.startswith(f"{base}/auth/reset/")
    screenshot("1-link")

    # When the colleague opens it in their own browser (the admin signs out here) and sets a password
    page.click("button:has-text('Sign out')")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Set your password")
    page.fill("#password", "noor's own passphrase")
    page.fill("#password_confirmation", "noor's own passphrase")
    page.click("button:has-text('Set my password')")

    # Then they are sent to sign in, and their new password works
    expect(page.locator(".notice")).to_contain_text("Your password is set")
    page.fill("#login", "noor")
    page.fill("#password", "noor's own passphrase")
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{base}/home")
    expect(page.locator("header.top summary")).to_contain_text("@noor")

    # And the link does not work a second time
    page.goto(link)
    expect(page.locator("#link-refusal")).to_contain_text("already used")
    screenshot("2-used")


def test_an_admin_creates_a_department_and_renames_it(
    live_server: LiveServer, page: object, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = live_server.base_url
    sign_in(page, base, "ada")
    page.goto(f"{base}/admin/departments")

    # An empty display name comes back with the message beside the field, the username kept
    page.fill("#new-username", "research")
    page.fill("#new-public_note", "We find things out")
    page.locator("#new-display_name").evaluate("e => e.removeAttribute('required')")
    page.click("button:has-text('Create the department')")
    expect(page.locator("#new-display_name-error")).to_have_text("A display name is required.")
    expect(page.locator("#new-display_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-username")).to_have_value("research")

    page.fill("#new-display_name", "Research")
    page.click("button:has-text('Create the department')")
    expect(page.locator(".notice")).to_have_text("The department is created.")
    card = page.locator("section[data-username='research']")
    expect(card.locator("h2")).to_contain_text("@research · Research")

    # When the admin renames it, the username stays and the new name shows
    card.locator("summary").click()
    card.get_by_label("Display name").fill("Research & Design")
    card.locator("button:has-text('Save @research')").click()
    card = page.locator("section[data-username='research']")
    expect(card.locator(".display-name")).to_have_text("Research & Design")
    expect(card.locator("h2 a")).to_have_attribute("href", "/@research")
    screenshot("department")


def test_the_pages_fit_a_phone_390_pixels_wide(
    live_server: LiveServer, page: object, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.set_viewport_size({"width": 390, "height": 844})
    nominate(live_server.base_url)
    sign_in(page, live_server.base_url, "ada")

    for path in ("/admin/queue", "/admin/statuses", "/admin/accounts", "/admin/departments", "/admin/audit",
                 "/admin/organization", "/admin/exposure", "/admin/published", "/admin/federation", "/admin/reports",
                 "/admin/mine"):
        page.goto(f"{live_server.base_url}{path}")
        expect(page.locator("h1")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    page.goto(f"{live_server.base_url}/admin/accounts")
    shot = screenshot("390px-accounts")
    assert shot.stat().st_size > 0

    # The same page in the dark scheme the system asks for
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.base_url}/admin/accounts")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 23, 42)"
    screenshot("390px-accounts-dark")
