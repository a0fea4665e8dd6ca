"""CORS as Mastodon configures it, and the API rate limit headers and 429."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from activitypub.errors import ConfigError
from server.mastodon.ratelimit import RateLimitMiddleware
from tests.server.helpers import app_for, serving, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app_for(settings_for(tmp_path))) as served:
        yield served


async def test_preflight_for_the_api(client: httpx.AsyncClient) -> None:
    answer = await client.options("/api/v1/statuses", headers={
        "Origin": "https://elk.zone", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})  # fmt: skip

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-headers"] == "authorization, content-type, idempotency-key"
    assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.parametrize("path", ["/api/v2/instance", "/.well-known/oauth-authorization-server"])
async def test_responses_allow_any_origin_and_expose_headers(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path, headers={"Origin": "https://elk.zone"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "X-RateLimit-Remaining" in answer.headers["access-control-expose-headers"]
    assert "Link" in answer.headers["access-control-expose-headers"]


async def test_errors_carry_cors_headers_too(client: httpx.AsyncClient) -> None:
    answer = await client.post("/oauth/token", data={"grant_type": "password"}, headers={"Origin": "https://a.example"})
    assert answer.status_code in (400, 401) and answer.headers["access-control-allow-origin"] == "*"


async def test_html_authorize_pages_get_no_cors(client: httpx.AsyncClient) -> None:
    answer = await client.get("/oauth/authorize", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


async def test_every_api_answer_carries_the_three_rate_limit_headers(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/instance")
    second = await client.get("/api/v1/does-not-exist")

    assert first.headers["x-ratelimit-limit"] == "300" and first.headers["x-ratelimit-remaining"] == "299"
    assert second.headers["x-ratelimit-remaining"] == "298"
    assert datetime.fromisoformat(first.headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    assert "x-ratelimit-limit" not in (await client.get("/health")).headers


async def ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def test_over_the_limit_is_429_per_token_and_ip() -> None:
    now = [1_000_000.0]
    app = Starlette(routes=[Route("/api/x", ok)],
                    middleware=[Middleware(RateLimitMiddleware, limit=2, period=300, clock=lambda: now[0])])  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        anonymous = [(await client.get("/api/x")).status_code for _ in range(3)]
        with_token = (await client.get("/api/x", headers={"Authorization": "Bearer abc"})).status_code
        limited = await client.get("/api/x")
        now[0] += 300
        next_window = (await client.get("/api/x")).status_code

    assert anonymous == [200, 200, 429] and with_token == 200 and next_window == 200
    assert limited.json() == {"error": "Too many requests"}
    assert limited.headers["x-ratelimit-remaining"] == "0" and int(limited.headers["retry-after"]) > 0


async def test_the_operator_sets_the_limit_and_its_window(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_LIMITS_API_PER_TOKEN="3", INSIDEOUT_LIMITS_API_WINDOW_SECONDS="60"))
    async with serving(app) as client:
        answers = [await client.get("/api/v1/instance", headers={"Authorization": "Bearer one"}) for _ in range(4)]
        other_token = await client.get("/api/v1/instance", headers={"Authorization": "Bearer two"})

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "3" and answers[2].headers["x-ratelimit-remaining"] == "0"
    reset = datetime.fromisoformat(answers[0].headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    assert 0 < (reset - datetime.now(UTC)).total_seconds() <= 60
    assert answers[3].json() == {"error": "Too many requests"} and other_token.status_code == 200


async def test_a_limit_of_zero_turns_it_off(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_LIMITS_API_PER_TOKEN="0"))
    async with serving(app) as client:
        answers = [await client.get("/api/v1/instance") for _ in range(400)]

    assert {answer.status_code for answer in answers} == {200}
    assert "x-ratelimit-limit" not in answers[-1].headers


def test_a_negative_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="api_per_token"):
        settings_for(tmp_path, INSIDEOUT_LIMITS_API_PER_TOKEN="-1")
