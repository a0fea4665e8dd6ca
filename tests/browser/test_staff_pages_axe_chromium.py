"""Every staff page passes axe-core's WCAG 2.1 A/AA rules, light and dark, at 1280 and 390 px, in Chromium.

Given a live server with an organisation whose posts show every part of a
card (an image with alt text, a content warning, a poll, a reply, a post
proposed for outside and one published), and alice signed in through the
sign-in form; when each page is opened in a fresh browser context per
colour scheme and width; then axe finds no violation of impact serious or
critical, and none of the heading and landmark rules (``axe.STRUCTURE``). Pages other helpers add to the staff table (``PAGES``) without
a path parameter are checked too, as they land.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from server.web.staff import PAGES
from server.web.staff.gate import Get
from storage.models import Role
from tests.browser.axe import audit, blocking, describe
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.staff_world import PASSWORD, World, organisation, seed
from tests.integration.conftest import EmployeeSpec

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload

SCHEMES = ("light", "dark")
WIDTHS = (1280, 390)
EMPLOYEES = (EmployeeSpec("alice", "alice@example.com", PASSWORD), EmployeeSpec("bob", "bob@example.com", PASSWORD),
             EmployeeSpec("pia", "pia@example.com", PASSWORD, role=Role.PUBLISHER))

# name -> path, with {post names} and {list} filled from the world.
STAFF_PAGES = {
    "home": "/home",
    "everyone": "/public/local",
    "tag": "/tags/hello",
    "department": "/departments/sales",
    "compose": "/compose",
    "compose-reply": "/compose?in_reply_to={welcome}",
    "thread": "/@alice/{reply}",
    "thread-published": "/@alice/{published}",
    "profile": "/@alice",
    "profile-colleague": "/@bob",
    "bookmarks": "/bookmarks",
    "favourites": "/favourites",
    "lists": "/lists",
    "list": "/lists/{list}",
    "edit": "/statuses/{image}/edit",
    "history": "/statuses/{image}/history",
    "delete": "/statuses/{image}/delete",
    "not-found": "/statuses/999999999",
    "notifications": "/notifications",
    "people": "/people",
    "departments": "/departments",
    "search": "/search?q=hello",
    "settings": "/settings",
    "department-members": "/departments/sales/members",
    "public-bio": "/people/alice/public_bio",
    "filter": "/settings/filters/new",
}
SIGNED_OUT_PAGES = {"sign-in": "/auth/sign_in", "sign-in-refused": "/auth/sign_in#refused"}
BUILT_LATER = {"notifications", "people", "departments", "search", "settings", "department-members", "public-bio",
               "filter"}
DOWNLOADS = (".json", ".csv", ".zip")


def _added_pages() -> dict[str, str]:
    """GET pages of the staff table without a path parameter that this list does not name yet."""
    known = {path.split("?")[0] for path in STAFF_PAGES.values()}
    return {p.path.strip("/").replace("/", "-"): p.path for p in PAGES
            if isinstance(p, Get) and "{" not in p.path and p.path not in known and not p.path.endswith(DOWNLOADS)}


ALL_PAGES = {**STAFF_PAGES, **_added_pages()}


def _served(path: str) -> bool:
    """Whether the staff table has a GET page for ``path`` (a page another helper is still building may not)."""
    from starlette.routing import compile_path

    bare = path.split("?")[0]
    return any(isinstance(p, Get) and compile_path(p.path)[0].match(bare) for p in PAGES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Alt text required: the refused compose form shows its error next to the description field.
    with organisation(tmp_path_factory.mktemp("axe"), EMPLOYEES,
                      environment={"INSIDEOUT_MEDIA_REQUIRE_ALT_TEXT": "true"}) as server:
        yield seed(server)


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Browser]:
    """One Chromium for the module, started after the world (Playwright's loop must not be running while
    the world's setup runs its own)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-test-tools (apt package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, world: World) -> Any:
    """alice's cookies after signing in through the form, for every context of the module."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{world.base_url}/auth/sign_in")
        page.fill("#login", "alice")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{world.base_url}/home")
        return context.storage_state()
    finally:
        context.close()


def _check(browser: Browser, world: World, path: str, state: Any, *, refuse_sign_in: bool = False) -> None:
    found: list[str] = []
    for scheme in SCHEMES:
        for width in WIDTHS:
            # bypass_csp: only so that axe's own script can be injected; the pages' CSP is tested elsewhere.
            context = browser.new_context(bypass_csp=True, color_scheme=scheme,  # type: ignore[arg-type]
                                          viewport={"width": width, "height": 900}, storage_state=state)
            try:
                page = context.new_page()
                response = page.goto(f"{world.base_url}{path.split('#')[0]}")
                assert response is not None
                assert response.status < 500, f"{path} answered {response.status}"
                if "text/html" not in response.headers.get("content-type", ""):
                    pytest.skip(f"{path} is not a page ({response.headers.get('content-type')}): for scripts")
                if refuse_sign_in:
                    page.fill("#login", "alice")
                    page.fill("#password", "not the password")
                    page.click("button:has-text('Sign in')")
                    page.wait_for_selector("#sign-in-error")
                violations = audit(page)
            finally:
                context.close()
            where = f"{path} ({scheme}, {width} px)"
            others = [v for v in violations if v not in blocking(violations)]
            if others:
                print(describe(where, others))
            if blocking(violations):
                found.append(describe(where, blocking(violations)))
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)


@pytest.mark.parametrize("name", sorted(ALL_PAGES))
def test_a_staff_page_has_no_serious_accessibility_violation(
    name: str, browser: Browser, world: World, signed_in: Any
) -> None:
    path = ALL_PAGES[name].format(list=world.list_id, **world.posts)
    if name in BUILT_LATER and not _served(path):
        pytest.skip(f"{path} is not in the staff pages yet")
    _check(browser, world, path, signed_in)


@pytest.mark.parametrize("name", sorted(SIGNED_OUT_PAGES))
def test_the_sign_in_page_has_no_serious_accessibility_violation(name: str, browser: Browser, world: World) -> None:
    _check(browser, world, SIGNED_OUT_PAGES[name], None, refuse_sign_in=name == "sign-in-refused")


def test_a_refused_compose_form_has_no_serious_accessibility_violation(
    browser: Browser, world: World, signed_in: Any
) -> None:
    """The form shown again with the error next to the field: an image without its description."""
    found: list[str] = []
    for scheme in SCHEMES:
        context = browser.new_context(bypass_csp=True, color_scheme=scheme, storage_state=signed_in)  # type: ignore[arg-type]
        try:
            page = context.new_page()
            page.goto(f"{world.base_url}/compose")
            page.fill("#compose-text", "A chart")
            page.set_input_files("#compose-file", files=_red_png())
            page.click("button.primary:has-text('Post')")
            page.wait_for_selector("#description-error")
            violations = blocking(audit(page))
        finally:
            context.close()
        if violations:
            found.append(describe(f"/compose refused ({scheme})", violations))
    assert not found, "\n".join(found)


def _red_png() -> FilePayload:

    data = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(data, format="PNG")
    return {"name": "red.png", "mimeType": "image/png", "buffer": data.getvalue()}


def test_the_check_itself_finds_what_it_looks_for(browser: Browser) -> None:
    """A page with an unlabelled field, an image without alt text, grey on grey and no h1 fails the check."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.set_content('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
                         '<h2>Second</h2><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
                         '<p style="color:#999;background:#aaa">faint</p></main></body></html>')
        found = {v["id"] for v in blocking(audit(page))}
    finally:
        context.close()
    assert "image-alt" in found
    assert "label" in found
    assert "color-contrast" in found
    assert "page-has-heading-one" in found
