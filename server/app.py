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
from server import activitypub, health, web
from server.bootstrap import prepare_instance
from server.config import Settings
from server.errors import exception_handlers
from server.mastodon.cors import CorsMiddleware
from server.mastodon.ratelimit import RateLimitMiddleware
from server.mastodon.routes import routes as mastodon_routes
from server import admin as admin_pages
from server.activitypub import inbox as inbox_views
from server.activitypub.authorized_fetch import AuthorizedFetchMiddleware
from server.events import EventBus, InProcessEventBus
from server.services.container import Services, build_services
from server.middleware import RequestIdMiddleware
from server.passwords import Passwords
from server.paths import StripTrailingSlashMiddleware
from server.background import default_workers
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
    events: EventBus = field(default_factory=InProcessEventBus)
    services: Services = field(init=False)

    def __post_init__(self) -> None:
        self.services = build_services(self.storage, self.settings, self.events, self.passwords, self.http)


def create_app(
    settings: Settings,
    storage: Storage,
    http: OutboundClient,
    *,
    workers: Sequence[Worker] | None = None,
    passwords: Passwords | None = None,
) -> Starlette:
    """``workers=None`` runs the default workers (deliveries, inbox); tests pass their own or none."""
    state = AppState(settings, storage, http, passwords or Passwords(), workers or ())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await storage.open()
        chosen = list(workers) if workers is not None else default_workers(app)
        runner = WorkerRunner(chosen if settings.server.workers_enabled else ())
        try:
            await prepare_instance(settings, storage)
            runner.start()
            log.info("ready", extra={"base_url": settings.base_url, "workers": len(chosen)})
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
    # The public web routes go first: their ``.atom`` paths would otherwise match ``/@{username}``.
    return [*health.routes(), *web.routes(), *admin_pages.routes(), *activitypub.routes(), *inbox_views.routes(),
            *mastodon_routes()]


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.server.trusted_proxies)),
        Middleware(RequestIdMiddleware),
        Middleware(StripTrailingSlashMiddleware),
        Middleware(CorsMiddleware),
        Middleware(RateLimitMiddleware),
        Middleware(AuthorizedFetchMiddleware),
    ]
