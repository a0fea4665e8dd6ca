"""``GET /health``: OK when the database answers, for load balancers and monitors."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.errors import error_response

log = logging.getLogger(__name__)


async def health(request: Request) -> Response:
    storage = request.app.state.insideout.storage
    try:
        await storage.ping()
    except Exception as exc:
        log.warning("health check failed", extra={"error": repr(exc)})
        return error_response(503, "Database unavailable")
    return PlainTextResponse("OK", headers={"Cache-Control": "no-store"})


def routes() -> list[BaseRoute]:
    return [Route("/health", health, methods=["GET", "HEAD"])]
