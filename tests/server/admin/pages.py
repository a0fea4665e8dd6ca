"""Driving the admin pages over HTTP like a browser would: sign in through the form, POST with the CSRF token.

The app is the real one (lifespan, SQLite, services); outside servers are an
``httpx.MockTransport`` that answers 202 to every delivery.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette

from server.admin.gate import MINE_PATH
from server.signin.sessions import CSRF_FIELD
from server.state import AppState
from storage.models import Account, AccountKind, MemberRole, Status
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

PASSWORD = "long enough password"
SCOPES = "read write follow push"


def _outside(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202)


@dataclass
class Site:
    app: Starlette
    client: httpx.AsyncClient

    @property
    def state(self) -> AppState:
        app_state: AppState = self.app.state.insideout
        return app_state

    async def employee(self, username: str, role: str = "staff") -> dict[str, str]:
        """An employee (password ``PASSWORD``) and a bearer header for posting through the API."""
        return bearer(await staff_token(self.app, username, scopes=SCOPES, role=role))

    async def department(self, slug: str, *publishers: str) -> Account:
        department = await self.state.services.accounts.create_organisational(AccountKind.DEPARTMENT, slug,
                                                                              slug.title())
        for username in publishers:
            await self.state.storage.departments.set_member(department.id, (await self.account(username)).id,
                                                            MemberRole.PUBLISHER)
        return department

    async def account(self, username: str) -> Account:
        account = await self.state.storage.accounts.get_local(username)
        assert account is not None
        return account

    async def post(self, author: dict[str, str], text: str, visibility: str = "public") -> str:
        answer = await self.client.post("/api/v1/statuses", headers=author,
                                        json={"status": text, "visibility": visibility})
        assert answer.status_code == 200, answer.text
        status_id: str = answer.json()["id"]
        return status_id

    async def status(self, status_id: str) -> Status:
        status = await self.state.storage.statuses.get(int(status_id))
        assert status is not None
        return status

    async def open_item_id(self, status_id: str) -> int:
        item = await self.state.storage.review.open_for(int(status_id))
        assert item is not None
        return item.id

    async def csrf(self) -> str:
        """The CSRF token in the forms a browser would be shown now: bound to the session, so read afresh."""
        page = await self.client.get(MINE_PATH, follow_redirects=True)  # the sign-in form when signed out
        return form_token(page.text)

    async def sign_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post("/admin/sign_in", data={
            "login": login, "password": password, CSRF_FIELD: await self.csrf(), "next": "/admin/queue"})

    async def submit(self, path: str, **fields: str) -> httpx.Response:
        """A form POST carrying the CSRF token, as the pages' forms do."""
        return await self.client.post(path, data={CSRF_FIELD: await self.csrf(), **fields})

    def sign_out_locally(self) -> None:
        self.client.cookies.clear()


@asynccontextmanager
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    app = app_for(settings_for(tmp_path), httpx.MockTransport(_outside))
    async with serving(app) as client:
        yield Site(app, client)


def form_token(html: str) -> str:
    """The CSRF token of a page's forms, read from its hidden field as a browser submits it."""
    match = re.search(rf'<input type="hidden" name="{CSRF_FIELD}" value="([^"]+)">', html)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


def rows(html: str, table_id: str) -> str:
    """The body of one table of a page, to assert on what it lists."""
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert match is not None, f"no table {table_id}"
    return match.group(1)


__all__ = ["PASSWORD", "Site", "form_token", "rows", "site"]
