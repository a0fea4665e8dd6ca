"""Routing conveniences clients rely on."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class StripTrailingSlashMiddleware:
    """Serve ``/api/v1/x/`` as ``/api/v1/x``: clients add slashes, and a redirect would drop POST bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                # Only the routing path changes: raw_path stays as sent, because an HTTP
                # signature covers the request target exactly as the peer wrote it.
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
        await self.app(scope, receive, send)
