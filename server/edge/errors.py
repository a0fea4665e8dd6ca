"""Mastodon-shaped error responses.

Mastodon answers API errors with ``{"error": "<message>"}`` and the OAuth
endpoints (Doorkeeper) with ``{"error": "<code>", "error_description":
"<text>"}``. A 429 from rack-attack carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (ISO 8601) headers,
which Mastodon.py's rate limiter reads.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Final

from starlette.responses import JSONResponse

from activitypub.errors import BadRequest, InsideoutError, Unauthorized

# Doorkeeper's stock descriptions (RFC 6749 section 5.2 wording).
OAUTH_DESCRIPTIONS: Final[dict[str, str]] = {
    "invalid_request": "The request is missing a required parameter, includes an unsupported parameter value, "
    "or is otherwise malformed.",
    "invalid_client": "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client.",
    "unauthorized_client": "The client is not authorized to perform this request using this method.",
    "unsupported_grant_type": "The authorization grant type is not supported by the authorization server.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "access_denied": "The resource owner or authorization server denied the request.",
    "unsupported_response_type": "The authorization server does not support this response type.",
}

OUTSIDE_SCOPES_MESSAGE: Final = "This action is outside the authorized scopes"
TOO_MANY_REQUESTS_MESSAGE: Final = "Too many requests"


class OAuthError(BadRequest):
    """An error of the OAuth endpoints, answered in Doorkeeper's shape.

    ``error`` is the RFC 6749 code; ``status_code`` is 400 except for
    ``invalid_client`` (401), as Doorkeeper answers.
    """

    def __init__(self, error: str, description: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(description or OAUTH_DESCRIPTIONS.get(error, error), detail=detail)
        self.error = error
        self.status_code = 401 if error == "invalid_client" else 400


def error_body(message: str) -> dict[str, str]:
    return {"error": message}


def oauth_error_body(error: str, description: str | None = None) -> dict[str, str]:
    return {"error": error, "error_description": description or OAUTH_DESCRIPTIONS.get(error, error)}


def error_response(exc: InsideoutError) -> JSONResponse:
    """The response Mastodon would give for ``exc``: its status, its public message."""
    if isinstance(exc, OAuthError):
        response = JSONResponse(oauth_error_body(exc.error, exc.public_message), status_code=exc.status_code)
    else:
        response = JSONResponse(error_body(exc.public_message), status_code=exc.status_code)
    if isinstance(exc, Unauthorized) or (isinstance(exc, OAuthError) and exc.status_code == 401):
        response.headers["WWW-Authenticate"] = 'Bearer realm="Doorkeeper", error="invalid_token"'
    return response


def rate_limited_response(
    limit: int, reset_at: datetime, *, now: datetime, message: str = TOO_MANY_REQUESTS_MESSAGE
) -> JSONResponse:
    """A 429 as rack-attack sends it, plus ``Retry-After`` in whole seconds."""
    headers = rate_limit_headers(limit, 0, reset_at)
    headers["Retry-After"] = str(max(0, math.ceil((reset_at - now).total_seconds())))
    return JSONResponse(error_body(message), status_code=429, headers=headers)


def rate_limit_headers(limit: int, remaining: int, reset_at: datetime) -> dict[str, str]:
    """``X-RateLimit-*`` headers; the reset time is ISO 8601 with microseconds, like Mastodon."""
    if reset_at.tzinfo is None:
        reset_at = reset_at.replace(tzinfo=UTC)
    reset = reset_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": reset,
    }
