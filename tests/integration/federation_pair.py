"""Two real Insideout instances joined in-process: each one's outbound client reaches the other's app."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from starlette.applications import Starlette

from federation.addresses import IPAddress
from federation.http import build_http_client
from server.app import create_app
from server.background import default_workers
from server.http_client import outbound_settings
from server.state import AppState
from storage import open_storage
from tests.server.helpers import serving, settings_for


class Router(httpx.AsyncBaseTransport):
    """Sends each request to the app serving its host; every request is also recorded for inspection."""

    def __init__(self) -> None:
        self.apps: dict[str, Starlette] = {}
        self.requests: list[tuple[str, str, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.requests.append((request.method, str(request.url), body))
        app = self.apps.get(request.url.host)
        if app is None:
            return httpx.Response(502, text="no such host")
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        return await transport.handle_async_request(request)


async def loopback(host: str, port: int) -> Sequence[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")]


@dataclass
class Instance:
    host: str
    app: Starlette
    client: httpx.AsyncClient

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.insideout
        return state

    async def run_workers(self) -> int:
        handled = 0
        for worker in default_workers(self.app):
            handled += await worker.run_once()
        return handled


def instance_app(tmp_path: Path, host: str, router: Router, **environ: str) -> Starlette:
    settings = settings_for(
        tmp_path / host, INSIDEOUT_SERVER_BASE_URL=f"http://{host}",
        INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES="true", INSIDEOUT_ORGANIZATION_NAME=host, **environ,
    )
    http = build_http_client(outbound_settings(settings), transport=router, resolver=loopback)
    app = create_app(settings, open_storage(settings.storage.database), http, workers=())
    router.apps[host] = app
    return app


@asynccontextmanager
async def federation_pair(tmp_path: Path, **environ: str) -> AsyncIterator[tuple[Instance, Instance, Router]]:
    """``environ`` (``INSIDEOUT_*`` settings) applies to both instances."""
    router = Router()
    async with AsyncExitStack() as stack:
        pair = []
        for host in ("a.example", "b.example"):
            app = instance_app(tmp_path, host, router, **environ)
            client = await stack.enter_async_context(serving(app))
            pair.append(Instance(host, app, client))
        yield pair[0], pair[1], router


async def settle(*instances: Instance, rounds: int = 10) -> None:
    """Run every worker of every instance until nothing is left to do."""
    for _ in range(rounds):
        if sum([await instance.run_workers() for instance in instances]) == 0:
            return
    raise AssertionError("the instances did not settle")
