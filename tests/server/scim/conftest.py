"""A running app with a SCIM token, spoken to over ASGI with its real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from tests.server.helpers import app_for, serving, settings_for

SCIM = "/scim/v2"
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class ScimClient:
    app: Starlette
    http: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": SCIM_JSON}

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.http.get(f"{SCIM}{path}", params=params, headers=self.headers)

    async def post(self, path: str, document: object) -> httpx.Response:
        return await self.http.post(f"{SCIM}{path}", json=document, headers=self.headers)

    async def put(self, path: str, document: object) -> httpx.Response:
        return await self.http.put(f"{SCIM}{path}", json=document, headers=self.headers)

    async def patch(self, path: str, *operations: dict[str, object]) -> httpx.Response:
        return await self.http.patch(f"{SCIM}{path}", json={"schemas": [PATCH_SCHEMA], "Operations": list(operations)},
                                     headers=self.headers)

    async def delete(self, path: str) -> httpx.Response:
        return await self.http.delete(f"{SCIM}{path}", headers=self.headers)

    async def create_user(self, user_name: str, **attributes: object) -> dict[str, object]:
        document: dict[str, object] = {"schemas": [USER_SCHEMA], "userName": user_name, "active": True}
        document.update(attributes)
        response = await self.post("/Users", document)
        assert response.status_code == 201, response.text
        created: dict[str, object] = response.json()
        return created


def new_user(user_name: str, email: str | None = None, **attributes: object) -> dict[str, object]:
    document: dict[str, object] = {"schemas": [USER_SCHEMA], "userName": user_name, "active": True}
    if email:
        document["emails"] = [{"value": email, "type": "work", "primary": True}]
    document.update(attributes)
    return document


@pytest.fixture
async def scim(tmp_path: Path) -> AsyncIterator[ScimClient]:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as http:
        created = await app.state.insideout.services.scim_tokens.create("idp", by="test")
        yield ScimClient(app, http, created.secret)
