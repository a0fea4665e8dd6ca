"""The admin pages in real headless Chromium: sign in, approve a queued post, see it published, unpublish it.

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
            EmployeeSpec("pia", "pia@example.com", PASSWORD, role=Role.PUBLISHER))


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
    expect(row.locator("button")).to_have_text("Publish again (new URI)")
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
