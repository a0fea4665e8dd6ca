"""CORS the way Mastodon configures rack-cors: any origin, no credentials.

Browser clients (Elk, Phanpy, Pinafore...) run on other origins and call the
API with bearer tokens, never cookies, so ``*`` is safe: a cross-origin page
gets nothing it could not get with the token it already holds. The HTML
authorize pages are deliberately not covered.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_METHODS: Final = "POST, PUT, DELETE, GET, PATCH, OPTIONS"
EXPOSE: Final = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
MAX_AGE: Final = "7200"
_RULES: Final = (
    # (path prefix, allowed methods); Mastodon's config/initializers/cors.rb
    ("/api/", API_METHODS),
    ("/oauth/token", "POST"),
    ("/oauth/revoke", "POST"),
    ("/.well-known/", "GET"),
    ("/nodeinfo/", "GET"),
    ("/@", "GET"),
    ("/users/", "GET"),
)


def allowed_methods(path: str) -> str | None:
    for prefix, methods in _RULES:
        if path.startswith(prefix) or (prefix.endswith("/") and path == prefix[:-1]):
            return methods
    return None


class CorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = allowed_methods(scope["path"]) if scope["type"] == "http" else None
        if methods is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers, methods, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSE.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, headers: Headers, methods: str, send: Send) -> None:
        requested = headers["access-control-request-method"].upper()
        allowed = requested in methods.split(", ")
        response_headers = [(b"content-length", b"0"), (b"vary", b"Origin")]
        if allowed:
            # Like rack-cors' ``headers: :any``: echo the requested headers
            # (Authorization, Content-Type, Idempotency-Key...).
            response_headers += [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", methods.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
            ]
            asked = headers.get("access-control-request-headers")
            if asked:
                response_headers.append((b"access-control-allow-headers", asked.encode("latin-1")))
        await send({"type": "http.response.start", "status": 200 if allowed else 403, "headers": response_headers})
        await send({"type": "http.response.body", "body": b""})
