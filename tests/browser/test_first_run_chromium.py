"""The first run from a fresh checkout, as a new admin meets it: the README's first command, then Chromium.

Given a fresh config in a temporary folder; when ``scripts/serve`` (the
README's first command) starts the server and prints the first admin's
password and the address to sign in at; then that address, opened in
Chromium, signs the admin in, the password is changed at
``/settings/password``, the new one works after signing out, and the admin
creates a colleague and a department from the pages.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "a passphrase of my own choosing"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class FirstRun:
    def __init__(self, process: subprocess.Popen[str], output: Path) -> None:
        self.process = process
        self.output = output

    def printed(self) -> str:
        return self.output.read_text()

    def wait_for(self, pattern: str, seconds: float = 180) -> re.Match[str]:
        """Until the server prints ``pattern`` (the first start may install first: the README's command)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.printed())
            if found:
                return found
            if self.process.poll() is not None:
                raise AssertionError(f"scripts/serve exited early:\n{self.printed()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"scripts/serve never printed {pattern!r}:\n{self.printed()[-3000:]}")


@pytest.fixture
def first_run(tmp_path: Path) -> Iterator[FirstRun]:
    (tmp_path / "instance").mkdir()
    config = tmp_path / "instance" / "config.toml"
    config.write_text("")
    output = tmp_path / "serve.out"
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    with output.open("w") as sink:
        process = subprocess.Popen(
            [str(REPO / "scripts" / "serve"), "--config", str(config), "--port", str(free_port())],
            cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
    run = FirstRun(process, output)
    try:
        yield run
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_printed_address_signs_the_admin_in_to_change_the_password_and_set_up(
    first_run: FirstRun, page: Page, screenshot: Callable[[str], Path]
) -> None:
    from playwright.sync_api import expect

    # Given the first start's banner: the admin's password, and where to sign in
    password = first_run.wait_for(r"password: (\S+)").group(1)
    sign_in_url = first_run.wait_for(r"Sign in at (http://127\.0\.0\.1:\d+/auth/sign_in)").group(1)
    base = sign_in_url.removesuffix("/auth/sign_in")
    first_run.wait_for(r"listening url=")
    assert httpx.get(f"{base}/health", timeout=5).text == "OK"

    # When the admin opens it and signs in with the printed password
    page.goto(sign_in_url)
    page.fill("#login", "admin")
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{base}/home")
    screenshot("1-home")

    # And changes it at once
    page.goto(f"{base}/settings/password")
    page.fill("#current-password", password)
    page.fill("#new-password", NEW_PASSWORD)
    page.fill("#confirm-password", NEW_PASSWORD)
    page.click("button:has-text('Change password')")
    expect(page.locator(".notice")).to_contain_text("password")

    # Then the old password no longer works and the new one does
    page.locator("details.menu summary").click()
    page.locator("details.menu button:has-text('Sign out')").click()
    page.wait_for_url(re.compile(r"/auth/sign_in"))
    page.fill("#login", "admin")
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    expect(page.locator(".field-error")).to_contain_text("Invalid")
    page.fill("#login", "admin")
    page.fill("#password", NEW_PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page).to_have_url(f"{base}/home")

    # And the admin creates a colleague from the pages, and is shown the colleague's one-time link
    page.goto(f"{base}/admin/accounts")
    form = page.locator("#add-person")
    form.get_by_label("Username").fill("noor")
    form.get_by_label("Display name").fill("Noor Haddad")
    form.get_by_label("Work email").fill("noor@example.com")
    page.click("button:has-text('Create and show the invitation link')")
    expect(page.locator("#one-time-link")).to_be_visible()
    assert page.locator("#one-time-link").input_value().startswith(f"{base}/auth/reset/")

    # And a department, which staff then find in the directory
    page.goto(f"{base}/admin/departments")
    department = page.locator("#new-department")
    department.get_by_label("Username").fill("sales")
    department.get_by_label("Display name").fill("Sales")
    page.click("button:has-text('Create the department')")
    expect(page.locator('[data-username="sales"]')).to_be_visible()
    page.goto(f"{base}/departments")
    expect(page.locator("main")).to_contain_text("Sales")
    screenshot("2-departments")
