"""A served app with an employee and a registered client, for the OAuth endpoint tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.mastodon.auth import require_app_or_user, require_user
from server.passwords import Passwords
from server.services.accounts import AccountService
from storage.protocols import Storage
from tests.server.helpers import app_for, serving, settings_for

PASSWORD = "correct horse battery"
CALLBACK = "https://client.example/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"


async def whoami(request: Request) -> JSONResponse:
    """A probe endpoint next to the real ones: it only calls the real ``require_user``."""
    viewer = await require_user(request, "read:accounts")
    return JSONResponse({"username": viewer.account.username, "acting_as": viewer.acting_as})


async def any_caller(request: Request) -> JSONResponse:
    principal = await require_app_or_user(request)
    return JSONResponse({"kind": type(principal).__name__})


@dataclass
class Served:
    client: httpx.AsyncClient
    app: Starlette
    storage: Storage
    client_id: str
    client_secret: str
    alice_id: int

    async def token_request(self, **data: str) -> httpx.Response:
        body = {"client_id": self.client_id, "client_secret": self.client_secret, **data}
        return await self.client.post("/oauth/token", data=body)

    async def password_token(self, login: str = "alice", scope: str = "read write") -> str:
        answer = await self.token_request(grant_type="password", username=login, password=PASSWORD, scope=scope)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    async def whoami(self, token: str) -> httpx.Response:
        return await self.client.get("/api/v1/test/whoami", headers={"Authorization": f"Bearer {token}"})


async def register(client: httpx.AsyncClient, **data: Any) -> dict[str, Any]:
    body = {"client_name": "Tusky", "redirect_uris": f"{CALLBACK}\n{OOB}", "scopes": "read write push", **data}
    answer = await client.post("/api/v1/apps", data=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver"))
    app.router.routes.extend(
        [Route("/api/v1/test/whoami", whoami), Route("/api/v1/test/any", any_caller, methods=["GET", "POST"])]
    )
    async with serving(app) as client:
        storage: Storage = app.state.insideout.storage
        # Cheap Argon2 parameters for speed; verification reads them from the hash itself.
        accounts = AccountService(storage, Passwords(PasswordHasher(time_cost=1, memory_cost=1024)))
        alice = await accounts.create_employee("alice", "alice@example.com", PASSWORD)
        await accounts.create_employee("bob", "bob@example.com", PASSWORD)
        registered = await register(client)
        yield Served(client, app, storage, registered["client_id"], registered["client_secret"], alice.account.id)
