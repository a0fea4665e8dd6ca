"""A running app for the admin API tests: an admin, a staff member, a publisher, a partner server.

The partner is an ``httpx.MockTransport`` behind the real SSRF-guarded
outbound client; everything of ours (app, lifespan, SQLite) runs for real.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from federation.http import build_http_client
from server.app import create_app
from server.http_client import outbound_settings
from server.mastodon.auth import digest_token, new_token
from server.state import AppState
from storage import open_storage
from storage.models import Account, RemoteProfile
from storage.protocols import Storage
from tests.federation.inbound_helpers import BASE_URL, resolve
from tests.server.helpers import bearer, serving, settings_for, staff_token

ADMIN_SCOPES = "read write follow push admin:read admin:write"
A = "/api/v1/admin"
IO = "/api/v1/admin/insideout"


@dataclass
class Outside:
    """Every remote server: answers JSON for known URLs, 404 otherwise, and remembers requests."""

    documents: dict[str, Any] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        document = self.documents.get(str(request.url))
        if document is None:
            return httpx.Response(404)
        return httpx.Response(200, content=json.dumps(document).encode(),
                              headers={"content-type": "application/activity+json"})


@dataclass
class AdminWorld:
    app: Starlette
    client: httpx.AsyncClient
    outside: Outside
    admin: dict[str, str]
    staff: dict[str, str]
    publisher: dict[str, str]

    @property
    def state(self) -> AppState:
        app_state: AppState = self.app.state.insideout
        return app_state

    @property
    def storage(self) -> Storage:
        return self.state.storage

    async def local(self, username: str) -> Account:
        account = await self.storage.accounts.get_local(username)
        assert account is not None
        return account

    async def remote(self, username: str, domain: str) -> Account:
        base = f"https://{domain}/users/{username}"
        return await self.storage.accounts.upsert_remote(RemoteProfile(
            uri=base, username=username, domain=domain, actor_type="Person", inbox_url=f"{base}/inbox",
            shared_inbox_url=f"https://{domain}/inbox"))

    async def app_only_token(self) -> dict[str, str]:
        token = new_token()
        await self.storage.tokens.create_access_token(digest_token(token), None, None, ADMIN_SCOPES.split())
        return bearer(token)


@asynccontextmanager
async def admin_world(tmp_path: Path, **environ: str) -> AsyncIterator[AdminWorld]:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, **environ)
    outside = Outside()
    http = build_http_client(outbound_settings(settings), transport=httpx.MockTransport(outside), resolver=resolve)
    app = create_app(settings, open_storage(settings.storage.database), http, workers=[])
    async with serving(app) as client:
        admin = bearer(await staff_token(app, "ada", scopes=ADMIN_SCOPES, role="admin"))
        staff = bearer(await staff_token(app, "sam", scopes=ADMIN_SCOPES))
        publisher = bearer(await staff_token(app, "pia", scopes=ADMIN_SCOPES, role="publisher"))
        yield AdminWorld(app, client, outside, admin, staff, publisher)
