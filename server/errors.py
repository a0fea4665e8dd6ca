"""Every error leaves as Mastodon's ``{"error": "..."}`` with the right status."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

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


# Paths machines call: they keep the JSON error whatever their Accept says.
MACHINE_PATHS: Final = ("/api/", "/oauth/token", "/oauth/revoke", "/scim/", "/.well-known/", "/nodeinfo/", "/inbox",
                        "/actor", "/health", "/metrics")
HTML_MESSAGES: Final = {
    404: "This page does not exist.",
    410: "This page is gone.",
}
_PAGE: Final = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">'
    "<title>{title}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
    "padding:0 1rem}}</style></head><body><main><h1>{title}</h1>"
    '<p><a href="/">Go to the start page</a></p></main></body></html>'
)
PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept",
}


def wants_html(request: Request) -> bool:
    """A browser opening a page: HTML first in ``Accept``, on a path people visit rather than one clients call."""
    accept = request.headers.get("accept", "")
    if "text/html" not in accept or request.url.path.startswith(MACHINE_PATHS) or "/inbox" in request.url.path:
        return False
    return accept.find("text/html") <= min((accept.find(t) for t in ("json", "activity") if t in accept),
                                           default=len(accept))


def html_error(status: int, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """The same page for everything with this status: a hidden thing and a missing one look alike."""
    title = html.escape(HTML_MESSAGES.get(status, STATUS_MESSAGES.get(status, "Something went wrong") + "."))
    return HTMLResponse(_PAGE.format(title=title), status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


async def handle_insideout_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, InsideoutError):  # registered for InsideoutError only: not ours to answer
        raise exc
    if exc.status_code >= 500:
        log.error("request failed", extra={"error": repr(exc), "detail": exc.detail})
    elif exc.detail:
        log.info("request refused", extra={"status": exc.status_code, "detail": exc.detail})
    if exc.status_code in HTML_MESSAGES and wants_html(request):
        return html_error(exc.status_code)
    response = mastodon_error_response(exc)
    if isinstance(exc, RateLimited):
        response.headers.setdefault("Retry-After", "60")
    return response


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only: not ours to answer
        raise exc
    if exc.status_code in HTML_MESSAGES and wants_html(request):
        return html_error(exc.status_code, exc.headers)
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
