"""Mastodon's API rate limit: 300 requests per 5 minutes per token, or per IP without one.

The numbers are ``[limits] api_per_token`` and ``api_window_seconds``; with
``api_per_token = 0`` the middleware is not installed at all (config.example.toml).

Every ``/api/`` answer carries ``X-RateLimit-Limit``, ``-Remaining`` and
``-Reset`` together, which Mastodon.py's pacing reads; over the limit the
answer is rack-attack's 429. Windows are aligned to the clock like
rack-attack's. Counters are in-process: they protect the server, no answer
depends on them for correctness, and a restart forgets them.

Unlike the sign-in throttle (server/signin/throttle.py, whose
buckets are shared through storage because each of its tokens is a password
guess), these counters stay per process on purpose: sharing them would cost
a database write on every API request, to enforce what is only abuse
protection. With N server processes behind a load balancer a caller gets at
most N times the limit (that much only when the balancer spreads its
requests evenly), which still bounds the load it can put on the server.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.edge.errors import rate_limit_headers, rate_limited_response

LIMIT: Final = 300
PERIOD: Final = 300
MAX_KEYS: Final = 100_000


def caller_key(scope: Scope) -> str:
    """The token's digest when one is sent, else the client address (set by the proxy middleware)."""
    headers = Headers(scope=scope)
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = QueryParams(scope.get("query_string", b"")).get("access_token", "")
    if token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    client = scope.get("client") or ("-", 0)
    return f"ip:{client[0]}"


class RateLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, limit: int = LIMIT, period: int = PERIOD, clock: Callable[[], float] = time.time
    ) -> None:
        self.app = app
        self.limit = limit
        self.period = period
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}

    def _count(self, key: str, now: float) -> tuple[int, datetime]:
        window = int(now // self.period)
        if window != self._window:
            self._window, self._counts = window, {}
        if key not in self._counts and len(self._counts) >= MAX_KEYS:
            key = "overflow"  # bound memory against floods of made-up tokens
        self._counts[key] = self._counts.get(key, 0) + 1
        reset_at = datetime.fromtimestamp((window + 1) * self.period, tz=UTC)
        return self._counts[key], reset_at

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/") or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        now = self._clock()
        used, reset_at = self._count(caller_key(scope), now)
        if used > self.limit:
            response = rate_limited_response(self.limit, reset_at, now=datetime.fromtimestamp(now, tz=UTC))
            await response(scope, receive, send)
            return
        headers = rate_limit_headers(self.limit, self.limit - used, reset_at)
        extra = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
