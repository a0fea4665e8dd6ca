"""Every error leaves as Mastodon's ``{"error": "..."}`` with the right status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.errors import InsideoutError, RateLimited
from server.edge.errors import error_response as mastodon_error_response

log = logging.getLogger(__name__)

STATUS_MESSAGES = {
    400: "Bad request",
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Record not found",
    405: "Method not allowed",
    406: "Not acceptable",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
}


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


async def handle_insideout_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, InsideoutError):  # registered for InsideoutError only: not ours to answer
        raise exc
    if exc.status_code >= 500:
        log.error("request failed", extra={"error": repr(exc), "detail": exc.detail})
    elif exc.detail:
        log.info("request refused", extra={"status": exc.status_code, "detail": exc.detail})
    response = mastodon_error_response(exc)
    if isinstance(exc, RateLimited):
        response.headers.setdefault("Retry-After", "60")
    return response


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only: not ours to answer
        raise exc
    message = STATUS_MESSAGES.get(exc.status_code, exc.detail if isinstance(exc.detail, str) else "Error")
    return error_response(exc.status_code, message, exc.headers)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(500, "Internal server error")


def exception_handlers() -> dict[Any, Any]:
    return {
        InsideoutError: handle_insideout_error,
        HTTPException: handle_http_exception,
        Exception: handle_unexpected,
    }
