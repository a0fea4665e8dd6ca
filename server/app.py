"""The Starlette application factory. Everything it needs is passed in; nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from federation.http import OutboundClient
from server import health
from server.bootstrap import prepare_instance
from server.config import Settings
from server.errors import exception_handlers
from server.middleware import RequestIdMiddleware
from server.passwords import Passwords
from server.paths import StripTrailingSlashMiddleware
from server.workers import Worker, WorkerRunner
from storage.protocols import Storage

log = logging.getLogger(__name__)


@dataclass
class AppState:
    """The dependencies every route reaches through ``request.app.state.insideout``."""

    settings: Settings
    storage: Storage
    http: OutboundClient
    passwords: Passwords = field(default_factory=Passwords)
    workers: Sequence[Worker] = ()


def create_app(
    settings: Settings,
    storage: Storage,
    http: OutboundClient,
    *,
    workers: Sequence[Worker] = (),
    passwords: Passwords | None = None,
) -> Starlette:
    state = AppState(settings, storage, http, passwords or Passwords(), workers)
    runner = WorkerRunner(workers if settings.server.workers_enabled else ())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await storage.open()
        try:
            await prepare_instance(settings, storage)
            runner.start()
            log.info("ready", extra={"base_url": settings.base_url, "workers": len(workers)})
            yield
        finally:
            await runner.stop()
            await http.aclose()
            await storage.close()
            log.info("stopped")

    app = Starlette(
        routes=_routes(),
        middleware=_middleware(settings),
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.insideout = state
    return app


def _routes() -> list[BaseRoute]:
    return [*health.routes()]


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.server.trusted_proxies)),
        Middleware(RequestIdMiddleware),
        Middleware(StripTrailingSlashMiddleware),
    ]
