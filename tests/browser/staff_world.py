"""A small organisation on a live server for the staff web app's browser tests, and the API its colleagues use.

The people and the department are made on the server's database before it
starts (as ``live_employees`` does); everything after that goes through
the real HTTP API with each person's own token, as a Mastodon app would:
posts, an image with alt text, a reply, a poll, a list, favourites,
bookmarks, a nomination and its approval by a publisher.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from server.config import Settings
from server.passwords import Passwords
from server.services.accounts import AccountService, DepartmentService
from storage import open_storage
from tests.backends import kept_past_the_test
from tests.integration.conftest import EmployeeSpec, LiveServer, create_employees, free_port, live_settings, running

PASSWORD = "correct horse battery"
DEPARTMENT = "sales"
TIMEOUT = 10


@dataclass(slots=True)
class Api:
    """One person's Mastodon API client over HTTP: a password-grant token with every scope they may hold."""

    base_url: str
    token: str
    http: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def sign_in(cls, base_url: str, login: str, scopes: str = "read write follow") -> Api:
        http = requests.Session()
        app = http.post(f"{base_url}/api/v1/apps", data={
            "client_name": "browser-tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": scopes},
            timeout=TIMEOUT).json()
        answer = http.post(f"{base_url}/oauth/token", data={
            "grant_type": "password", "username": login, "password": PASSWORD, "scope": scopes,
            "client_id": app["client_id"], "client_secret": app["client_secret"]}, timeout=TIMEOUT)
        answer.raise_for_status()
        return cls(base_url, answer.json()["access_token"], http)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.base_url}{path}", timeout=TIMEOUT,
                                     headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def post(self, text: str, **fields: Any) -> dict[str, Any]:
        status: dict[str, Any] = self.call("POST", "/api/v1/statuses", json={"status": text, **fields})
        return status

    def image(self, description: str, colour: tuple[int, int, int] = (40, 90, 200)) -> str:
        from PIL import Image

        data = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(data, format="PNG")
        media = self.call("POST", "/api/v2/media", files={"file": ("chart.png", data.getvalue(), "image/png")},
                          data={"description": description})
        return str(media["id"])


@dataclass(frozen=True, slots=True)
class World:
    server: LiveServer
    posts: dict[str, str]
    """Named posts' ids (``welcome``, ``reply``, ``published``, ...)."""
    list_id: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


async def _departments(settings: Settings, slug: str, members: Sequence[str]) -> None:
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        departments = DepartmentService(storage, AccountService(storage, Passwords()))
        await departments.create(slug, "Sales")
        for username in members:
            await departments.add_member(slug, username)
    finally:
        await storage.close()


@contextmanager
def organisation(folder: Path, employees: Sequence[EmployeeSpec], members: Sequence[str] = ("alice",),
                 environment: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A live server with ``employees`` and the department ``sales`` (with ``members``), until the block ends."""
    settings = live_settings(folder, free_port(), environment)
    drop = kept_past_the_test(settings.storage.database)  # a module's tests may share it
    try:
        create_employees(settings, employees)
        asyncio.run(_departments(settings, DEPARTMENT, members))
        with running(settings) as server:
            yield server
    finally:
        drop()


def seed(server: LiveServer) -> World:
    """Every kind of post a staff page shows: image and alt, content warning, poll, reply, mention, states."""
    base = server.base_url
    alice, bob = Api.sign_in(base, "alice"), Api.sign_in(base, "bob")
    pia = Api.sign_in(base, "pia", "read write follow admin:read admin:write")
    bob_id = bob.call("GET", "/api/v1/accounts/lookup", params={"acct": "bob"})["id"]
    alice.call("POST", f"/api/v1/accounts/{bob_id}/follow")
    posts: dict[str, str] = {}
    posts["welcome"] = bob.post("Welcome to the new #hello space, @alice!")["id"]
    image = alice.image("A bar chart, rising")
    posts["image"] = alice.post("Our sales this quarter #hello", media_ids=[image])["id"]
    posts["warning"] = bob.post("The plot of the film", spoiler_text="Spoilers")["id"]
    posts["poll"] = bob.post("Lunch?", poll={"options": ["Pizza", "Salad"], "expires_in": 86400})["id"]
    posts["reply"] = alice.post("@bob thank you!", in_reply_to_id=posts["welcome"])["id"]
    posts["department"] = alice.post(f"Team meeting at ten, @{DEPARTMENT}")["id"]
    posts["nominated"] = alice.post("Our booth at the fair #outside")["id"]
    posts["published"] = alice.post("We are hiring")["id"]
    pia.call("POST", f"/api/v1/admin/insideout/statuses/{posts['published']}/publish")
    alice.call("PUT", f"/api/v1/statuses/{posts['image']}", json={"status": "Our sales this quarter, updated #hello", "media_ids": [image]})
    alice.call("POST", f"/api/v1/statuses/{posts['welcome']}/favourite")
    alice.call("POST", f"/api/v1/statuses/{posts['welcome']}/bookmark")
    listed = alice.call("POST", "/api/v1/lists", json={"title": "Close colleagues"})
    alice.call("POST", f"/api/v1/lists/{listed['id']}/accounts", json={"account_ids": [bob_id]})
    return World(server, posts, str(listed["id"]))
