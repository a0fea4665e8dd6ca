"""A whole staff day in the web app, in real headless Chromium against a live server, and the same by keyboard.

Given a live server with alice (staff), bob (her colleague, who works from
a Mastodon app through the API with his own token), pia (a publisher) and
the department ``sales``; when alice signs in at ``/auth/sign_in`` and
posts, replies, favourites, edits and proposes a post for outside, and
then pia approves it from the review queue; then each page shows the new
state, and what bob does reaches alice's open page live (the stream the
page opens with its session cookie), without a reload. Screenshots at
1280 and 390 px go to ``artifacts/browser/``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from storage.models import Role
from tests.browser.staff_world import DEPARTMENT, PASSWORD, Api, organisation
from tests.integration.conftest import EmployeeSpec, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

EMPLOYEES = (EmployeeSpec("alice", "alice@example.com", PASSWORD), EmployeeSpec("bob", "bob@example.com", PASSWORD),
             EmployeeSpec("pia", "pia@example.com", PASSWORD, role=Role.PUBLISHER))
WIDTHS = (1280, 390)
LIVE_WAIT_MS = 10_000


@pytest.fixture
def office(tmp_path: Path) -> Iterator[LiveServer]:
    """Before ``page``: the server's setup runs its own event loop, which Playwright's must not be running."""
    with organisation(tmp_path / "office", EMPLOYEES, members=("alice", "bob")) as server:
        yield server


def sign_in(page: Page, base_url: str, login: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/auth/sign_in")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{base_url}/home")


def sign_out(page: Page) -> None:
    page.locator("details.menu summary").click()
    page.locator("details.menu button:has-text('Sign out')").click()
    page.wait_for_url(re.compile(r"/auth/sign_in"))


def chart_png() -> FilePayload:
    data = io.BytesIO()
    Image.new("RGB", (120, 80), (46, 139, 87)).save(data, format="PNG")
    return {"name": "chart.png", "mimeType": "image/png", "buffer": data.getvalue()}


def both_widths(page: Page, screenshot: Callable[[str], Path]) -> Callable[[str], None]:
    def take(step: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert screenshot(f"{step}-{width}px").stat().st_size > 0
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return take


def open_with_stream(page: Page, url: str) -> None:
    """Open ``url`` and wait until its script's stream has answered, so no event can pass before it listens."""
    with page.expect_response(lambda r: "/api/v1/streaming/" in r.url) as opened:
        page.goto(url)
    assert opened.value.status == 200


def card(page: Page, status_id: str) -> Any:
    return page.locator(f"article#status-{status_id}")


def newest_own_post(api: Api, username: str) -> str:
    account = api.call("GET", "/api/v1/accounts/lookup", params={"acct": username})
    statuses = api.call("GET", f"/api/v1/accounts/{account['id']}/statuses", params={"limit": 1})
    return str(statuses[0]["id"])


def test_a_staff_day_in_the_web_app(office: LiveServer, page: Page, screenshot: Callable[[str], Path]) -> None:
    from playwright.sync_api import expect

    base = office.base_url
    shots = both_widths(page, screenshot)
    bob = Api.sign_in(base, "bob")
    alice_id = bob.call("GET", "/api/v1/accounts/lookup", params={"acct": "alice"})["id"]
    bob.call("POST", f"/api/v1/accounts/{alice_id}/follow")
    welcome = bob.post("Welcome aboard, everyone!")["id"]

    # Alice signs in through the form and lands on her home timeline
    sign_in(page, base, "alice")
    alice = Api.sign_in(base, "alice")
    bob_id = alice.call("GET", "/api/v1/accounts/lookup", params={"acct": "bob"})["id"]
    alice.call("POST", f"/api/v1/accounts/{bob_id}/follow")
    page.goto(f"{base}/home")
    expect(page.locator("h1")).to_have_text("Home")
    shots("1-home")

    # She posts an image with its description from the compose box, mentioning her department
    page.fill("#compose-text", f"The quarter's numbers are in, @{DEPARTMENT}")
    page.locator("#compose details.options summary").click()
    page.set_input_files("#compose-file", files=chart_png())
    page.fill("#compose-alt", "A bar chart: sales rising each month")
    page.locator("#compose button.primary").click()
    expect(page.locator(".notice")).to_have_text("Posted.")
    numbers = newest_own_post(alice, "alice")
    post = card(page, numbers)
    expect(post.locator(".media img")).to_have_attribute("alt", "A bar chart: sales rising each month")
    expect(post.locator(".content a", has_text=DEPARTMENT)).to_have_count(1)
    shots("2-posted-with-image")

    # She replies to her colleague's post from its thread page
    card(page, welcome).locator("a.reply").click()
    expect(page).to_have_url(re.compile(rf"/@bob/{welcome}"))
    page.fill("#reply #compose-text", "@bob thank you, glad to be here")
    page.locator("#reply button.primary").click()
    expect(page.locator(".notice")).to_have_text("Posted.")
    reply = newest_own_post(alice, "alice")
    expect(card(page, reply)).to_contain_text("glad to be here")
    shots("3-replied")

    # She favourites it: the button says so, pressed
    favourite = card(page, welcome).locator("button.favourite")
    favourite.click()
    favourite = card(page, welcome).locator("button.favourite")
    expect(favourite).to_have_attribute("aria-pressed", "true")
    expect(favourite).to_contain_text("Favourited")

    # A notification arrives while her home page is open: the count in the navigation goes up, no reload
    open_with_stream(page, f"{base}/home")
    link = page.locator("a[data-notifications]")
    unread = int(link.get_attribute("data-unread") or "0")
    bob.call("POST", f"/api/v1/statuses/{numbers}/favourite")
    expect(link.locator(".badge-count")).to_contain_text(f"({unread + 1}", timeout=LIVE_WAIT_MS)
    expect(link).to_have_attribute("aria-label", f"Notifications, {unread + 1} new")

    # And a colleague's new post shows the bar, which brings it in
    fresh = bob.post("Coffee in the kitchen")["id"]
    bar = page.locator("button[data-new-posts]")
    expect(bar).to_have_text("Show 1 new post", timeout=LIVE_WAIT_MS)
    shots("4-live-notification-and-new-posts")
    bar.click()
    expect(card(page, fresh)).to_contain_text("Coffee in the kitchen")
    expect(page.locator(".new-posts")).to_be_hidden()

    # She edits her post: it says "edited", and the history shows both versions
    page.goto(f"{base}/@alice/{numbers}")
    card(page, numbers).locator("a", has_text="Edit").click()
    page.fill("#edit-text", f"The quarter's numbers are in (corrected), @{DEPARTMENT}")
    page.locator("button:has-text('Save')").click()
    expect(page.locator(".notice")).to_have_text("Saved: your edit is live.")
    expect(card(page, numbers)).to_contain_text("(corrected)")
    card(page, numbers).locator("a", has_text="edited").click()
    expect(page.locator("h1")).to_have_text("Edit history")
    expect(page.locator("ol.history > li")).to_have_count(2)
    expect(page.locator("ol.history")).to_contain_text("(corrected)")
    shots("5-history")

    # She proposes a post for outside: its badge says it waits for review
    page.goto(f"{base}/home")
    page.fill("#compose-text", "Come and see us at the trade fair, stand 12")
    page.check("#compose input[name=propose]")
    page.locator("#compose button.primary").click()
    expect(page.locator(".notice")).to_have_text("Posted.")
    proposed = newest_own_post(alice, "alice")
    badge = card(page, proposed).locator(".stance")
    expect(badge).to_have_text("Proposed for outside, waiting for review")
    shots("6-proposed")

    # Pia, a publisher, approves it from the review queue
    sign_out(page)
    sign_in(page, base, "pia")
    page.locator("nav a", has_text="Review queue").click()
    item = page.locator(f"article.queue-item[data-status-id='{proposed}']")
    expect(item).to_contain_text("trade fair")
    shots("7-queue")
    item.locator("button:has-text('Approve')").click()
    expect(page.locator(".notice")).to_have_text("Approved: the post is published.")

    # Then the post's badge says it is published outside
    page.goto(f"{base}/@alice/{proposed}")
    expect(card(page, proposed).locator(".stance")).to_contain_text("Published outside")
    shots("8-published")


def test_a_post_made_with_the_keyboard_alone(office: LiveServer, page: Page,
                                            screenshot: Callable[[str], Path]) -> None:
    """From the top of the home page, Tab reaches the compose box and then its Post button; Enter posts."""
    from playwright.sync_api import expect

    base = office.base_url
    page.goto(f"{base}/auth/sign_in")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(page.locator("#login")).to_be_focused()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/home")

    tab_until(page, "#compose-text")
    page.keyboard.type("Typed and sent without a mouse")
    tab_until(page, "#compose button.primary")
    shots = both_widths(page, screenshot)
    shots("keyboard-focus-on-post")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_have_text("Posted.")
    expect(page.locator("article.status").first).to_contain_text("Typed and sent without a mouse")

    # The shortcut "n" also takes the focus to the compose box
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page.locator("#compose-text")).to_be_focused()


def tab_until(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus; fail if ``limit`` presses do not reach it."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return
    pytest.fail(f"{limit} presses of Tab did not reach {selector}")
