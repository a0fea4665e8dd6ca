"""``GET /metrics``: request counters per route template, the shared work queues read at scrape
time, delivery outcomes after a real worker run, and a 404 for everyone outside the allowed networks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.fanout import enqueue
from server.metrics import UNMATCHED, RouteTemplates
from storage.clock import utcnow
from storage.inbound import NewInboxItem
from storage.protocols import Storage
from tests.federation.delivery_helpers import (
    BASE,
    FakeClock,
    Published,
    client_for,
    guard_for,
    inboxes_for_actors,
    local_actor,
    note_activity,
    worker_for,
)
from tests.server.helpers import app_for, serving, settings_for

pytestmark = pytest.mark.anyio

Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]
OUTSIDER = "203.0.113.9"


def parse(text: str) -> Samples:
    """Every sample of the exposition, by name and labels; parsing fails on malformed output."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    return parse(response.text)


def app_at(tmp_path: Path, **environ: str) -> Starlette:
    return app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE, **environ))


def storage_of(app: Starlette) -> Storage:
    storage: Storage = app.state.insideout.storage
    return storage


async def test_requests_are_counted_by_method_route_template_and_status_class(tmp_path: Path) -> None:
    app = app_at(tmp_path)
    async with serving(app) as client:
        assert (await client.get("/api/v1/instance")).status_code == 200
        assert (await client.get("/api/v1/instance/")).status_code == 200
        assert (await client.get("/users/nobody-here")).status_code == 404
        assert (await client.get("/no/such/secret-path")).status_code == 404
        assert (await client.post("/health")).status_code == 405
        response = await client.get("/metrics")

    samples = parse(response.text)
    assert value(samples, "insideout_http_requests_total", method="GET", route="/api/v1/instance", status="2xx") == 2
    assert value(samples, "insideout_http_requests_total", method="GET", route="/users/{username}", status="4xx") == 1
    assert value(samples, "insideout_http_requests_total", method="GET", route="unmatched", status="4xx") == 1
    assert value(samples, "insideout_http_requests_total", method="POST", route="/health", status="4xx") == 1
    assert value(
        samples, "insideout_http_request_duration_seconds_count", method="GET", route="/api/v1/instance"
    ) == 2
    assert value(
        samples, "insideout_http_request_duration_seconds_bucket", method="GET", route="/api/v1/instance", le="+Inf"
    ) == 2
    # Raw paths never become labels: only route templates do.
    assert "nobody-here" not in response.text and "secret-path" not in response.text


async def test_each_app_counts_only_its_own_requests(tmp_path: Path) -> None:
    first, second = app_at(tmp_path / "one"), app_at(tmp_path / "two")
    async with serving(first) as client:
        await client.get("/api/v1/instance")
    async with serving(second) as client:
        samples = await scrape(client)

    assert ("insideout_http_requests_total", frozenset(
        {"method": "GET", "route": "/api/v1/instance", "status": "2xx"}.items()
    )) not in samples


async def test_queue_depths_and_inbox_lag_come_from_the_database(tmp_path: Path) -> None:
    app = app_at(tmp_path)
    async with serving(app) as client:
        storage = storage_of(app)
        empty = await scrape(client)
        alice = await local_actor(storage, "alice")
        published = Published()
        activity = note_activity(alice)
        published.urls.add(activity["object"]["id"])
        inboxes = ["https://a.example/inbox", "https://b.example/inbox"]
        await enqueue(storage, activity, alice, inboxes, guard=guard_for(storage, published))
        await storage.inbox.add(NewInboxItem("https://remote.example/1", "Create", "https://remote.example/u/bob", "{}"))
        samples = await scrape(client)

    assert value(empty, "insideout_work_metrics_up") == 1
    assert value(empty, "insideout_queue_pending", queue="deliveries") == 0
    assert value(empty, "insideout_inbox_lag_seconds") == 0
    assert value(samples, "insideout_queue_pending", queue="deliveries") == 2
    assert value(samples, "insideout_queue_due", queue="deliveries") == 2
    assert value(samples, "insideout_queue_retrying", queue="deliveries") == 0
    assert value(samples, "insideout_queue_pending", queue="inbox") == 1
    assert value(samples, "insideout_inbox_lag_seconds") > 0
    for queue in ("push_deliveries", "remote_media", "cards", "scheduled_statuses", "scheduled_publications",
                  "media_deletions"):
        assert value(samples, "insideout_queue_pending", queue=queue) == 0
    assert value(samples, "insideout_delivery_outcomes", queue="deliveries", outcome="queued", last_status="none") == 2


async def test_delivery_outcomes_by_class_after_a_worker_run(tmp_path: Path) -> None:
    answers = {"ok.example": 202, "busy.example": 500, "gone.example": 410}
    app = app_at(tmp_path)
    async with serving(app) as client:
        storage = storage_of(app)
        alice = await local_actor(storage, "alice")
        published = Published()
        activity = note_activity(alice)
        published.urls.add(activity["object"]["id"])
        clock = FakeClock(utcnow())
        remote = inboxes_for_actors(alice)
        remote.answer = lambda request: httpx.Response(answers[request.url.host])
        guard = guard_for(storage, published)
        await enqueue(storage, activity, alice, [f"https://{host}/inbox" for host in answers], guard=guard, clock=clock)
        async with client_for(remote) as http:
            assert await worker_for(storage, http, published, clock).run_once() == 3
        samples = await scrape(client)

    assert remote.rejected == []

    def outcome(name: str, last_status: str) -> float:
        return value(samples, "insideout_delivery_outcomes", queue="deliveries", outcome=name, last_status=last_status)

    assert (outcome("delivered", "2xx"), outcome("retrying", "5xx"), outcome("failed", "4xx")) == (1, 1, 1)
    assert value(samples, "insideout_queue_pending", queue="deliveries") == 1
    assert value(samples, "insideout_queue_retrying", queue="deliveries") == 1


async def test_outsiders_get_the_404_of_a_path_that_does_not_exist(tmp_path: Path) -> None:
    app = app_at(tmp_path)
    async with serving(app, client_address=OUTSIDER) as client:
        for method in ("GET", "HEAD", "POST", "DELETE", "PROPFIND"):
            metrics = await client.request(method, "/metrics")
            missing = await client.request(method, "/no-such-path")
            assert metrics.status_code == missing.status_code == 404 and metrics.content == missing.content
            assert without_request_id(metrics.headers) == without_request_id(missing.headers), method


async def test_the_real_client_behind_a_trusted_proxy_is_the_one_checked(tmp_path: Path) -> None:
    app = app_at(tmp_path)
    async with serving(app, client_address="127.0.0.1") as client:
        proxied = await client.get("/metrics", headers={"X-Forwarded-For": OUTSIDER})
        local = await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})

    assert proxied.status_code == 404 and proxied.json() == {"error": "Record not found"}
    assert local.status_code == 200


async def test_allowed_networks_are_configurable_and_metrics_can_be_switched_off(tmp_path: Path) -> None:
    networks = "10.0.0.0/8, 203.0.113.0/24"
    async with serving(app_at(tmp_path / "a", INSIDEOUT_METRICS_ALLOWED_NETWORKS=networks), OUTSIDER) as client:
        assert (await client.get("/metrics")).status_code == 200
        refused = await client.post("/metrics")
        assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"
    async with serving(app_at(tmp_path / "b", INSIDEOUT_METRICS_ALLOWED_NETWORKS=networks)) as client:
        assert (await client.get("/metrics")).status_code == 404

    switched_off = app_at(tmp_path / "off", INSIDEOUT_METRICS_ENABLED="false")
    async with serving(switched_off) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_a_dual_stack_listener_s_mapped_loopback_address_is_loopback(tmp_path: Path) -> None:
    app = app_at(tmp_path)
    async with serving(app, client_address="::ffff:127.0.0.1") as client:
        assert (await client.get("/metrics")).status_code == 200


def test_without_the_route_on_the_scope_the_template_is_found_by_endpoint() -> None:
    """Older Starlette routers only put the endpoint on the scope."""

    async def actor(request: Request) -> Response:
        return Response()

    async def health(request: Request) -> Response:
        return Response()

    app = Starlette(routes=[Route("/users/{name}", actor), Route("/@{name}", actor), Route("/health", health)])
    templates = RouteTemplates()

    def seen(path: str, endpoint: object) -> str:
        return templates.of({"type": "http", "method": "GET", "path": path, "app": app, "endpoint": endpoint})

    assert seen("/@alice", actor) == "/@{name}" and seen("/users/alice", actor) == "/users/{name}"
    assert seen("/health", health) == "/health"
    assert templates.of({"type": "http", "method": "GET", "path": "/nope", "app": app}) == UNMATCHED


def without_request_id(headers: httpx.Headers) -> dict[str, str]:
    return {name: text for name, text in headers.items() if name != "x-request-id"}
