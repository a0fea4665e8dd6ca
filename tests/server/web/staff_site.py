"""Driving the staff web app over HTTP as a browser does: sign in through its form, POST with the CSRF token.

The app is the real one (lifespan, storage, services); outside servers are
an ``httpx.MockTransport`` that answers 202 to every delivery.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from server.signin.sessions import CSRF_FIELD
from tests.server.admin.pages import PASSWORD, Site, form_token
from tests.server.helpers import app_for, serving, settings_for


def _outside(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202)


class StaffSite(Site):
    async def csrf(self) -> str:
        page = await self.client.get("/auth/sign_in")
        if page.status_code == 303:
            page = await self.client.get("/compose")
        return form_token(page.text)

    async def sign_in(self, login: str, password: str = PASSWORD, next_path: str = "/home") -> httpx.Response:
        return await self.client.post("/auth/sign_in", data={
            "login": login, "password": password, CSRF_FIELD: await self.csrf(), "next": next_path})

    async def compose(self, text: str, back: str = "/home", **fields: str) -> httpx.Response:
        return await self.submit("/compose", status=text, back=back, **fields)


@asynccontextmanager
async def staff_site(tmp_path: Path, **environ: str) -> AsyncIterator[StaffSite]:
    app = app_for(settings_for(tmp_path, **environ), httpx.MockTransport(_outside))
    async with serving(app) as client:
        yield StaffSite(app, client)


def articles(html: str) -> list[str]:
    """The ids of the posts a page shows, in order."""
    return re.findall(r'<article class="status[^"]*" id="status-(\d+)"', html)


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


__all__ = ["PASSWORD", "StaffSite", "articles", "field_error", "staff_site"]
