"""What every route reaches through ``request.app.state.insideout``: the app's shared dependencies.

A leaf, as GoToSocial's ``internal/state`` is: it imports no view and no
route table, so a view can name ``AppState`` without importing the app
factory (server/app.py), which imports every view. What is here is built
from what the factory hands in; nothing happens at import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from starlette.requests import Request

from federation.http import OutboundClient
from server.config import Settings
from server.events import EventBus, InProcessEventBus
from server.passwords import Passwords
from server.present.entities.announcement import announcement_payload
from server.present.presenter import Presenter
from server.services.container import Services, build_services
from server.signin.csrf_key import CsrfKey
from server.signin.throttle import SignInThrottle
from server.workers import Worker
from storage.protocols import Storage


@dataclass
class AppState:
    """The dependencies every route reaches through ``request.app.state.insideout``."""

    settings: Settings
    storage: Storage
    http: OutboundClient
    passwords: Passwords = field(default_factory=Passwords)
    workers: Sequence[Worker] = ()
    # One per process for every sign-in form (OAuth and admin); its buckets are in storage, shared by all.
    sign_in_throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # The browser forms' CSRF secret: kept in the database, read into every process when the app starts.
    csrf_key: CsrfKey = field(default_factory=CsrfKey)
    # The identity provider's own outbound client: its hosts may be private, for it alone (server/signin).
    identity_http: OutboundClient | None = None
    events: EventBus = field(init=False)
    services: Services = field(init=False)
    # The client API's converter: the edges' and the push worker's, kept apart from the services they present.
    presenter: Presenter = field(init=False)

    def __post_init__(self) -> None:
        self.events = event_bus_for(self.storage)
        self.services = build_services(self.storage, self.settings, self.events, self.passwords, self.http,
                                       identity_http=self.identity_http)
        self.presenter = Presenter(self.storage, self.settings, reach=self.services.reach)
        self.services.announcements.stream_payload = partial(announcement_payload, base_url=self.settings.base_url)


def event_bus_for(storage: Storage) -> EventBus:
    """Streaming events reach every process on PostgreSQL; on SQLite there is only one."""
    # Unimported means no PostgreSQL storage exists, and a SQLite server never loads psycopg.
    postgres_module = sys.modules.get("storage.postgresql.storage")
    if postgres_module is not None and isinstance(storage, postgres_module.PostgresStorage):
        from server.pg_events import PostgresEventBus

        return PostgresEventBus(storage.postgres)
    return InProcessEventBus()


__all__ = ["AppState", "event_bus_for"]


def app_state(request: Request) -> AppState:
    """The ``AppState`` a request's app carries: how every edge (API, pages, feeds) reaches its dependencies."""
    state: AppState = request.app.state.insideout
    return state
