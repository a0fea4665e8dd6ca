"""A running instance with the company, a department and employees, for the ActivityPub view tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette

from server.config import Settings
from server.passwords import Passwords
from server.services.accounts import AccountService, DepartmentService
from storage.models import Account, ProfileChanges
from storage.protocols import Storage
from tests.server.helpers import app_for, serving, settings_for

BASE_URL = "https://social.example.com"
DOMAIN = "social.example.com"
ORG_NAME = "Acme & Co"
CANARY = "INTERNAL-CANARY-7f3a9"
AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@dataclass
class World:
    client: httpx.AsyncClient
    app: Starlette

    @property
    def storage(self) -> Storage:
        storage: Storage = self.app.state.insideout.storage
        return storage

    async def employee(self, username: str, *, exposed: bool, public_note: str = "", locked: bool = False) -> Account:
        employee = await AccountService(self.storage, Passwords()).create_employee(
            username, f"{username}@acme.test", "correct horse battery staple", display_name=username.title()
        )
        changes = ProfileChanges(note=CANARY, public_note=public_note, exposed=exposed, locked=locked)
        return await self.storage.accounts.update_profile(employee.account.id, changes)

    async def department(self, slug: str, name: str, *, hidden: bool = False) -> Account:
        service = DepartmentService(self.storage, AccountService(self.storage, Passwords()))
        department = await service.create(slug, name)
        changes = ProfileChanges(note=CANARY, public_note=f"The {name} team", exposed=not hidden)
        return await self.storage.accounts.update_profile(department.id, changes)

    async def offboard(self, username: str) -> None:
        account = await self.storage.accounts.get_local(username)
        assert account is not None
        await self.storage.accounts.set_disabled(account.id, True)

    async def company(self) -> Account:
        company = await self.storage.accounts.get_local("company")
        assert company is not None
        return company


def world_settings(tmp_path: Path, **environ: str) -> Settings:
    return settings_for(
        tmp_path,
        INSIDEOUT_SERVER_BASE_URL=BASE_URL,
        INSIDEOUT_ORGANIZATION_NAME=ORG_NAME,
        **environ,
    )


@asynccontextmanager
async def running(tmp_path: Path, **environ: str) -> AsyncIterator[World]:
    app = app_for(world_settings(tmp_path, **environ))
    async with serving(app) as client:
        yield World(client, app)
