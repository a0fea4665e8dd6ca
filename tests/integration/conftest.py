"""A real server on a real socket, for real clients (Mastodon.py, httpx, a browser-like form driver).

``live_server`` runs uvicorn on 127.0.0.1 and a free port in a background
thread, with the app the tests elsewhere use (``app_for(settings_for(...))``).
Accounts must exist before it starts: a module overrides the
``live_employees`` fixture with ``EmployeeSpec``s, and they are created
through ``AccountService`` on the server's database first. Extra routes
(``live_routes``) let a test add a probe endpoint next to the real ones.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn
from starlette.routing import BaseRoute

from server.bootstrap import prepare_instance
from server.config import Settings
from server.passwords import Passwords
from server.services.accounts import AccountService
from storage import open_storage
from storage.models import Role
from tests.server.helpers import app_for, settings_for

START_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class EmployeeSpec:
    username: str
    email: str
    password: str
    role: Role = Role.STAFF
    disabled: bool = False
    local_login: bool = False


@dataclass(frozen=True, slots=True)
class LiveServer:
    base_url: str
    settings: Settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def live_settings(tmp_path: Path, port: int, environment: Mapping[str, str] | None = None) -> Settings:
    return settings_for(
        tmp_path,
        INSIDEOUT_SERVER_BASE_URL=f"http://127.0.0.1:{port}",
        INSIDEOUT_SERVER_PORT=str(port),
        INSIDEOUT_SERVER_WORKERS_ENABLED="false",
        **(environment or {}),
    )


async def _create_employees(settings: Settings, employees: Sequence[EmployeeSpec]) -> None:
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        service = AccountService(storage, Passwords())
        for spec in employees:
            await service.create_employee(spec.username, spec.email, spec.password, role=spec.role,
                                          local_login=spec.local_login)
            if spec.disabled:
                await storage.accounts.set_disabled((await service.employee(spec.username)).account.id, True)
    finally:
        await storage.close()


def create_employees(settings: Settings, employees: Sequence[EmployeeSpec]) -> None:
    """Create employees on the server's database; call before the server starts (no loop may be running)."""
    asyncio.run(_create_employees(settings, employees))


@pytest.fixture
def live_employees() -> Sequence[EmployeeSpec]:
    return ()


@pytest.fixture
def live_routes() -> Sequence[BaseRoute]:
    return ()


@pytest.fixture
def live_environment() -> Mapping[str, str]:
    """More INSIDEOUT_* settings for the live server (a module overrides it, e.g. with [sso])."""
    return {}


@pytest.fixture
def live_app_state() -> Mapping[str, object]:
    """Attributes set on the live app's ``state`` (a module overrides it, e.g. with short stream heartbeats)."""
    return {}


@pytest.fixture
def live_server(
    tmp_path: Path, live_employees: Sequence[EmployeeSpec], live_routes: Sequence[BaseRoute],
    live_environment: Mapping[str, str], live_app_state: Mapping[str, object],
) -> Iterator[LiveServer]:
    port = free_port()
    settings = live_settings(tmp_path, port, live_environment)
    create_employees(settings, live_employees)
    with running(settings, live_routes, live_app_state) as server:
        yield server


@contextmanager
def running(settings: Settings, routes: Sequence[BaseRoute] = (),
            app_state: Mapping[str, object] | None = None) -> Iterator[LiveServer]:
    """The app of ``settings`` served by uvicorn on its port, in a background thread, until the block ends.

    For a server shared by a module's tests (a module-scoped fixture); ``live_server`` uses it per test.
    """
    app = app_for(settings)
    app.router.routes.extend(routes)
    for name, value in (app_state or {}).items():
        setattr(app.state, name, value)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.server.port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"live-server-{settings.server.port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            pytest.fail("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(settings.base_url, settings)
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """One HTTP session for a test's Mastodon.py clients, closed afterwards."""
    with requests.Session() as http:
        yield http
