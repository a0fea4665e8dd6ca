"""The Starlette application factory. Everything it needs is passed in; nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from federation.http import OutboundClient
from server import activitypub, health, web
from server import admin as admin_pages
from server.activitypub import inbox as inbox_views
from server.activitypub.authorized_fetch import AuthorizedFetchMiddleware
from server.background import default_workers
from server.bootstrap import prepare_instance
from server.config import Settings
from server.errors import exception_handlers
from server.http_client import outbound_client
from server.mastodon.cors import CorsMiddleware
from server.mastodon.ratelimit import RateLimitMiddleware
from server.mastodon.routes import routes as mastodon_routes
from server.metrics import ServerMetrics
from server.middleware import RequestIdMiddleware
from server.passwords import Passwords
from server.paths import StripTrailingSlashMiddleware
from server.revocation_watch import RevocationWatch
from server.scim import routes as scim_routes
from server.signin import sso_routes
from server.state import AppState
from server.web import staff as staff_pages
from server.workers import Worker, WorkerRunner
from storage.protocols import Storage

log = logging.getLogger(__name__)

WorkerFactory = Callable[[Starlette], Sequence[Worker]]


def create_app(
    settings: Settings,
    storage: Storage,
    http: OutboundClient,
    *,
    workers: Sequence[Worker] | WorkerFactory | None = None,
    passwords: Passwords | None = None,
) -> Starlette:
    """``workers=None`` runs the default workers (every queue); tests pass their own or none.

    A callable is given the app once its state exists: ``insideout worker`` builds only its queues that way.
    """
    identity_http = outbound_client(settings) if settings.sso.enabled else None
    state = AppState(settings, storage, http, passwords or Passwords(), workers if isinstance(workers, Sequence) else (),
                     identity_http=identity_http)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await storage.open()
        chosen = _chosen_workers(app, workers) if settings.server.workers_enabled else []
        runner = WorkerRunner(chosen)
        watch = RevocationWatch(storage.instance, state.events)
        try:
            await prepare_instance(settings, storage)
            await state.csrf_key.load(storage)
            await state.events.start()
            await watch.start()
            runner.start()
            state.services.reach.start()
            log.info("ready", extra={"base_url": settings.base_url, "workers": len(chosen)})
            yield
        finally:
            await state.services.reach.stop()  # this process's buffered views, written before the storage closes
            await runner.stop()
            await watch.stop()
            await state.events.stop()
            await http.aclose()
            if identity_http is not None:
                await identity_http.aclose()
            await storage.close()
            log.info("stopped")

    metrics = ServerMetrics(settings.metrics, storage) if settings.metrics.enabled else None
    app = Starlette(
        routes=[*(metrics.routes() if metrics else []), *_routes()],
        middleware=_middleware(settings, metrics),
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.insideout = state
    return app


def _chosen_workers(app: Starlette, workers: Sequence[Worker] | WorkerFactory | None) -> list[Worker]:
    if workers is None:
        return default_workers(app)
    return list(workers) if isinstance(workers, Sequence) else list(workers(app))


def _routes() -> list[BaseRoute]:
    # The public web routes go first: their ``.atom`` paths would otherwise match ``/@{username}``.
    return [*health.routes(), *web.routes(), *staff_pages.routes(), *admin_pages.routes(), *sso_routes.routes(), *scim_routes(),
            *activitypub.routes(), *inbox_views.routes(), *mastodon_routes()]


def _middleware(settings: Settings, metrics: ServerMetrics | None) -> list[Middleware]:
    return [
        Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.server.trusted_proxies)),
        Middleware(RequestIdMiddleware),
        Middleware(StripTrailingSlashMiddleware),
        # Inside the trailing-slash copy of the scope, where the router records the matched route.
        *([metrics.middleware()] if metrics else []),
        Middleware(CorsMiddleware),
        *([Middleware(RateLimitMiddleware, limit=settings.limits.api_per_token,
                      period=settings.limits.api_window_seconds)] if settings.limits.api_per_token else []),
        Middleware(AuthorizedFetchMiddleware),
    ]
