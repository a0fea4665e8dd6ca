"""SCIM's answers: ``application/scim+json`` bodies, and every error in RFC 7644 §3.12's shape.

``scim_errors`` wraps each view, so no error leaves a SCIM endpoint in
another shape: scim2-models' own (``invalidFilter``, ``uniqueness``...), a
request body it refuses (``invalidSyntax``/``invalidValue``), and our
``InsideoutError`` tree by its status. Anything else is logged and answers a
bare 500 in SCIM's shape, with no detail.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from scim2_models import Error, SCIMException
from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InsideoutError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/scim+json"
SCIM_TYPES = {409: "uniqueness"}
View = Callable[[Request], Awaitable[Response]]


def scim_response(document: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if document is None:
        return Response(status_code=status, headers=headers)
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def error_response(status: int, detail: str, scim_type: str | None = None) -> Response:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return scim_response(error.model_dump(), status, headers)


def response_for(exc: Exception) -> Response:
    if isinstance(exc, SCIMException):
        error = exc.to_error()
        return error_response(int(error.status or 400), error.detail or exc.detail, error.scim_type)
    if isinstance(exc, ValidationError):
        first = Error.from_validation_errors(exc)[0]
        return error_response(int(first.status or 400), first.detail or "Invalid request", first.scim_type)
    if isinstance(exc, InsideoutError):
        if exc.detail:
            log.info("scim: %s (%s)", exc.public_message, exc.detail)
        status = exc.status_code if exc.status_code < 500 else 500
        scim_type = SCIM_TYPES.get(status) or ("invalidValue" if status in (400, 422) else None)
        return error_response(400 if status == 422 else status, exc.public_message, scim_type)
    raise exc


def scim_errors(view: View) -> View:
    @functools.wraps(view)
    async def wrapped(request: Request) -> Response:
        try:
            return await view(request)
        except (SCIMException, ValidationError, InsideoutError) as exc:
            return response_for(exc)
        except Exception:
            log.exception("scim: %s %s failed", request.method, request.url.path)
            return error_response(500, "Internal server error")

    return wrapped
