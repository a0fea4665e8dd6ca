"""``GET /metrics``: Prometheus' text format, for the allowed networks only.

Two kinds of figures. Request counts and latencies are this process's own
(each server process is scraped on its own, as Prometheus expects). The
work queues, recent delivery outcomes and the inbox lag belong to the
database that every server and worker process shares, so they are read
from it at each scrape instead of being counted in any one process.

Each app has its own registry: several apps can live in one process (the
tests), and the global default registry would mix their counts.

The counts are internal. A caller outside ``[metrics] allowed_networks``
gets exactly the 404 of a path that does not exist, for any method.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import MetricsSettings
from storage.clock import utcnow
from storage.metrics import WorkMetrics
from storage.protocols import Storage

log = logging.getLogger(__name__)

PATH = "/metrics"
# Outcomes cover the deliveries created this long before the scrape: recent, and cheap to count.
OUTCOME_WINDOW = timedelta(hours=1)
# Any other method is one label value, so made-up methods cannot add series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests no route matched share one label, never their raw path.
UNMATCHED = "unmatched"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RouteTemplates:
    """The path template of the route a request matched (``/api/v1/statuses/{id}``), never its raw path.

    Recent Starlette routers put the matched route on the scope. Older ones
    (the pinned range allows them) only put its endpoint there: the template
    is then looked up by endpoint, and only an endpoint serving several paths
    is matched again, among those few routes.
    """

    def __init__(self) -> None:
        self._by_endpoint: dict[Any, list[Route]] | None = None

    def of(self, scope: Scope) -> str:
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        if self._by_endpoint is None:
            self._by_endpoint = _routes_by_endpoint(getattr(scope.get("app"), "routes", ()))
        candidates = self._by_endpoint.get(endpoint, [])
        if len(candidates) == 1:
            return candidates[0].path
        for candidate in candidates:
            if candidate.matches(scope)[0] is not Match.NONE:
                return candidate.path
        return UNMATCHED


def _routes_by_endpoint(routes: Iterable[BaseRoute]) -> dict[Any, list[Route]]:
    found: dict[Any, list[Route]] = {}
    for route in routes:
        if isinstance(route, Route):
            found.setdefault(route.endpoint, []).append(route)
    return found


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


class RequestMetrics:
    """This process's HTTP requests, by method, route template and status class."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "insideout_http_requests",
            "HTTP requests answered by this process, by method, route template and status class.",
            ["method", "route", "status"],
            registry=registry,
        )
        self._duration = Histogram(
            "insideout_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by method and route template.",
            ["method", "route"],
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else "other"
        self._requests.labels(method, route, status_class(status)).inc()
        self._duration.labels(method, route).observe(seconds)


class RequestMetricsMiddleware:
    """Times each HTTP request and counts it under its route template.

    Must sit inside any middleware that copies the scope (the trailing-slash
    one does): the router writes the matched route into the scope it gets.
    """

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self._metrics = metrics
        self._templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception before the response starts ends as Starlette's 500.
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._metrics.observe(scope["method"], self._templates.of(scope), status, time.perf_counter() - started)


class WorkCollector:
    """The shared work tables as gauges, from one reading taken just before the scrape."""

    def __init__(self, reading: WorkMetrics | None) -> None:
        self._reading = reading

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "insideout_work_metrics_up", "1 when the work tables could be read at this scrape, else 0."
        )
        up.add_metric([], 0 if self._reading is None else 1)
        yield up
        if self._reading is not None:
            yield from _work_families(self._reading)


def _work_families(reading: WorkMetrics) -> Iterator[Metric]:
    pending = GaugeMetricFamily("insideout_queue_pending", "Rows waiting in a work queue, due or not.", labels=["queue"])
    due = GaugeMetricFamily("insideout_queue_due", "Waiting rows whose time has come.", labels=["queue"])
    retrying = GaugeMetricFamily(
        "insideout_queue_retrying", "Waiting rows that failed at least once before.", labels=["queue"]
    )
    lag = GaugeMetricFamily(
        "insideout_queue_lag_seconds", "How long the most overdue waiting row has been due (0: none is).",
        labels=["queue"],
    )
    for depth in reading.queues:
        pending.add_metric([depth.queue.value], depth.pending)
        due.add_metric([depth.queue.value], depth.due)
        retrying.add_metric([depth.queue.value], depth.retrying)
        lag.add_metric([depth.queue.value], reading.lag_seconds(depth))
    window = int(reading.outcome_window.total_seconds())
    outcomes = GaugeMetricFamily(
        "insideout_delivery_outcomes",
        f"Outbound deliveries created in the last {window} seconds, by outcome so far"
        " (queued, retrying, delivered, failed for good) and class of the remote's last answer.",
        labels=["queue", "outcome", "last_status"],
    )
    for count in reading.outcomes:
        outcomes.add_metric([count.queue.value, count.outcome.value, count.last_status.value], count.count)
    inbox_lag = GaugeMetricFamily(
        "insideout_inbox_lag_seconds", "Age of the oldest inbound activity not handled yet (0: none waits)."
    )
    inbox_lag.add_metric([], reading.inbox_lag_seconds)
    yield from (pending, due, retrying, lag, outcomes, inbox_lag)


class _Scrape:
    """One scrape's collectors: the app's registry, then the work gauges."""

    def __init__(self, *collectors: CollectorRegistry | WorkCollector) -> None:
        self._collectors = collectors

    def collect(self) -> Iterable[Metric]:
        for collector in self._collectors:
            yield from collector.collect()


class ServerMetrics:
    """One app's metrics: its registry, the request middleware and the ``/metrics`` route."""

    def __init__(
        self, settings: MetricsSettings, storage: Storage, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in settings.allowed_networks
        )
        self.registry = CollectorRegistry()
        self.requests = RequestMetrics(self.registry)
        ProcessCollector(registry=self.registry)

    def allows(self, client_host: str | None) -> bool:
        """Whether the (proxy-resolved) client address lies in an allowed network."""
        try:
            address = ipaddress.ip_address(client_host or "")
        except ValueError:
            return False  # a Unix socket peer or a test client name: not an address we can vouch for
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d
        return any(address in network for network in self._networks)

    async def exposition(self) -> bytes:
        reading: WorkMetrics | None = None
        try:
            reading = await self._storage.metrics.work_metrics(self._clock(), OUTCOME_WINDOW)
        except Exception as exc:  # the process's own figures are still worth a scrape
            log.warning("work metrics unavailable", extra={"error": repr(exc)})
        return generate_latest(_Scrape(self.registry, WorkCollector(reading)))

    async def respond(self, request: Request) -> Response:
        if not self.allows(request.client.host if request.client else None):
            raise HTTPException(404)  # the router's own answer for a path that does not exist
        if request.method not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        return Response(await self.exposition(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    def routes(self) -> list[BaseRoute]:
        return [Route(PATH, _MetricsEndpoint(self))]

    def middleware(self) -> Middleware:
        return Middleware(RequestMetricsMiddleware, metrics=self.requests)


class _MetricsEndpoint:
    """``/metrics`` as a plain ASGI app: its route then matches every method, so an outsider's
    PROPFIND gets the 404 of a missing path too, not the 405 that would betray the route."""

    def __init__(self, metrics: ServerMetrics) -> None:
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._metrics.respond(Request(scope, receive))
        await response(scope, receive, send)
