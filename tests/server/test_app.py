"""The HTTP app: health, the Mastodon error shape, request ids, proxies and trailing slashes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.logs import JsonFormatter
from tests.server.helpers import app_for, serving, settings_for

pytestmark = pytest.mark.anyio


async def test_health_answers_ok_once_started(tmp_path: Path) -> None:
    async with serving(app_for(settings_for(tmp_path))) as client:
        response = await client.get("/health")
        assert response.status_code == 200 and response.text == "OK"
        assert (await client.get("/health/")).status_code == 200


async def test_unknown_routes_and_methods_answer_in_the_mastodon_shape(tmp_path: Path) -> None:
    async with serving(app_for(settings_for(tmp_path))) as client:
        missing = await client.get("/api/v1/nothing-here")
        assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
        wrong = await client.post("/health")
        assert wrong.status_code == 405 and wrong.json() == {"error": "Method not allowed"}


async def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(tmp_path: Path) -> None:
    async with serving(app_for(settings_for(tmp_path))) as client:
        assert len((await client.get("/health")).headers["x-request-id"]) == 16
        kept = await client.get("/health", headers={"X-Request-Id": "abc-123"})
        assert kept.headers["x-request-id"] == "abc-123"
        forged = await client.get("/health", headers={"X-Request-Id": "evil id;" + "x" * 80})
        assert forged.headers["x-request-id"] != "evil id;" + "x" * 80


async def test_access_log_is_structured_and_names_the_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="insideout.access")
    async with serving(app_for(settings_for(tmp_path))) as client:
        request_id = (await client.get("/health")).headers["x-request-id"]
    record = next(r for r in caplog.records if r.name == "insideout.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health", 200)


async def whoami(request: Request) -> JSONResponse:
    return JSONResponse({"client": request.client.host if request.client else None, "scheme": request.url.scheme})


@pytest.mark.parametrize(
    ("peer", "expected"),
    [("127.0.0.1", ("203.0.113.9", "https")), ("198.51.100.7", ("198.51.100.7", "http"))],
)
async def test_forwarded_headers_count_only_from_trusted_proxies(
    tmp_path: Path, peer: str, expected: tuple[str, str]
) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_TRUSTED_PROXIES="127.0.0.1"))
    app.router.routes.append(Route("/whoami", whoami))
    async with serving(app, client_address=peer) as client:
        seen = await client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert (seen.json()["client"], seen.json()["scheme"]) == expected


async def test_startup_refuses_a_changed_base_url(tmp_path: Path) -> None:
    async with serving(app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://one.example"))):
        pass
    moved = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="https://two.example"))
    with pytest.raises(Exception, match="cannot move to https://two.example"):
        async with serving(moved):
            pass
