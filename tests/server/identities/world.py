"""A served app with the company, two departments and employees of each role, and the OAuth consent flow."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from starlette.applications import Starlette

from server.mastodon.auth import digest_token, new_token
from server.state import AppState
from storage.models import Account, AccountKind, FollowState, MemberRole, RemoteProfile, Role
from tests.server.api.live import live
from tests.server.helpers import app_for, serving, settings_for

PASSWORD = "long enough password"
CALLBACK = "https://client.example/callback"


@dataclass
class World:
    app: Starlette
    client: httpx.AsyncClient
    company: Account
    sales: Account
    legal: Account
    accounts: dict[str, Account]

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.insideout
        return state

    async def token(self, username: str, scopes: str = "read write admin:read admin:write") -> str:
        """A plain token of the employee, acting as themselves."""
        raw = new_token()
        await self.state.storage.tokens.create_access_token(
            digest_token(raw), self.accounts[username].id, None, scopes.split())
        return raw

    async def remote_follower(self, of: Account, name: str) -> Account:
        uri = f"https://partner.example/users/{name}"
        follower = await self.state.storage.accounts.upsert_remote(RemoteProfile(
            uri=uri, username=name, domain="partner.example", actor_type="Person", inbox_url=f"{uri}/inbox"))
        await self.state.storage.follows.follow(follower.id, of.id, FollowState.ACCEPTED)
        return follower


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def populated(app: Starlette, client: httpx.AsyncClient) -> World:
    state: AppState = app.state.insideout
    services = state.services
    company = (await state.storage.accounts.list_local(AccountKind.COMPANY))[0]
    sales = await services.departments.create("sales", "Sales")
    legal = await services.departments.create("legal", "Legal")
    accounts = {}
    for name, role in (("ada", Role.ADMIN), ("pat", Role.PUBLISHER), ("sam", Role.STAFF), ("stu", Role.STAFF)):
        accounts[name] = (await services.accounts.create_employee(
            name, f"{name}@example.com", PASSWORD, role=role)).account
    await state.storage.departments.set_member(sales.id, accounts["sam"].id, MemberRole.PUBLISHER)
    await state.storage.departments.set_member(sales.id, accounts["stu"].id, MemberRole.MEMBER)
    return World(app, client, company, sales, legal, accounts)


def _app(tmp_path: Path) -> Starlette:
    return app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver"))


@asynccontextmanager
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Given: admin ``ada``, publisher ``pat``, ``sam`` who publishes for sales only, and staff ``stu``."""
    app = _app(tmp_path)
    async with serving(app) as client:
        yield await populated(app, client)


@asynccontextmanager
async def live_world(tmp_path: Path) -> AsyncIterator[tuple[World, str]]:
    """The same world, also served on loopback (for streams, which ASGITransport would buffer whole).

    Yields the world, whose client still talks to the app in-process, and the live server's base URL.
    """
    app = _app(tmp_path)
    async with live(app) as base:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield await populated(app, client), base


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {html.unescape(name): html.unescape(value) for name, value in found}


def identity_choices(page: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'<input type="radio" name="acting_as" value="([^"]*)"', page)]


@dataclass
class Consent:
    browser: httpx.AsyncClient
    page: httpx.Response
    client_id: str
    client_secret: str

    async def approve(self, acting_as: str | None) -> httpx.Response:
        form = {**hidden_fields(self.page.text), "decision": "approve"}
        if acting_as is not None:
            form["acting_as"] = acting_as
        return await self.browser.post("/oauth/authorize", data=form)

    async def token(self, acting_as: str | None) -> str:
        answer = await self.approve(acting_as)
        assert answer.status_code == 302, answer.text
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        issued = await self.browser.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "client_id": self.client_id, "client_secret": self.client_secret})
        assert issued.status_code == 200, issued.text
        token: str = issued.json()["access_token"]
        return token


@asynccontextmanager
async def consent(w: World, login: str, scopes: str = "read write") -> AsyncIterator[Consent]:
    """A fresh browser signs ``login`` in and reaches the consent page of an app registered for ``scopes``."""
    transport = httpx.ASGITransport(app=w.app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        app: dict[str, Any] = (await browser.post("/api/v1/apps", data={
            "client_name": "Tusky", "redirect_uris": CALLBACK, "scopes": scopes})).json()
        path = "/oauth/authorize?" + urlencode({"client_id": app["client_id"], "response_type": "code",
                                                "redirect_uri": CALLBACK, "scope": scopes})
        sign_in_page = await browser.get(path)
        signed = await browser.post("/oauth/sign_in", data={
            **hidden_fields(sign_in_page.text), "login": login, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        page = await browser.get(path)
        assert page.status_code == 200 and "Authorize" in page.text
        yield Consent(browser, page, app["client_id"], app["client_secret"])
