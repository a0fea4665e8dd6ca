"""The reported version, as clients parse it; Mastodon-shaped error responses."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from mastodon import Mastodon
from mastodon.versions import parse_version_string

from activitypub.errors import (
    BadRequest,
    Forbidden,
    Gone,
    InsideoutError,
    InvalidInput,
    NotFound,
    RateLimited,
    StorageError,
    Unauthorized,
)
from server.edge.errors import (
    OAuthError,
    error_body,
    error_response,
    oauth_error_body,
    rate_limit_headers,
    rate_limited_response,
)
from server.edge.version import MASTODON_API_VERSION, VERSION, api_versions, version_string

# node-semver's coerce() (what masto.js-based clients fall back on): the first
# run of up to three dot-separated numbers not glued to other digits.
SEMVER_COERCE = re.compile(r"(?:^|[^\d])(\d{1,16})(?:\.(\d{1,16}))?(?:\.(\d{1,16}))?(?:$|[^\d])")
# The plain "^major.minor.patch" regex many apps (and GoToSocial-aware ones) use.
LEADING_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def _normalize(version: str) -> str:
    """Mastodon.py's private ``__normalize_version_string``, called as it calls it."""
    normalize = Mastodon._Mastodon__normalize_version_string
    result = normalize(None, version)
    assert isinstance(result, str)
    return result


def test_version_string() -> None:
    assert VERSION == "4.3.0 (compatible; Insideout 0.1.0)"
    assert version_string("4.4.0", "1.2.3") == "4.4.0 (compatible; Insideout 1.2.3)"
    assert api_versions() == {"mastodon": 2} and MASTODON_API_VERSION == 2
    api_versions()["mastodon"] = 99
    assert api_versions() == {"mastodon": 2}


def test_mastodon_py_parses_it_as_430() -> None:
    normalized = _normalize(VERSION)
    assert normalized == "4.3.0"
    assert parse_version_string(normalized) == (4, 3, 0)  # type: ignore[no-untyped-call]


def test_semver_coerce_and_leading_regex_parse_it_as_430() -> None:
    match = SEMVER_COERCE.search(VERSION)
    assert match is not None and match.groups() == ("4", "3", "0")
    leading = LEADING_SEMVER.match(VERSION)
    assert leading is not None and leading.groups() == ("4", "3", "0")


def test_our_own_version_does_not_confuse_the_parsers() -> None:
    # A "+" (Hometown / GoToSocial style) would make Mastodon.py look past it; we never emit one.
    assert "+" not in VERSION
    assert _normalize(version_string(software_version="9.9.9")) == "4.3.0"


def _json(response_body: bytes | memoryview) -> object:
    return json.loads(bytes(response_body))


@pytest.mark.parametrize(
    ("exc", "status", "message"),
    [
        (InvalidInput("Validation failed: Text can't be blank"), 422, "Validation failed: Text can't be blank"),
        (BadRequest(), 400, "Bad request"),
        (Unauthorized(), 401, "The access token is invalid"),
        (Forbidden(), 403, "This action is not allowed"),
        (NotFound(), 404, "Record not found"),
        (Gone(), 410, "Gone"),
        (RateLimited(), 429, "Too many requests"),
        (StorageError(detail="disk on fire"), 500, "Storage failure"),
    ],
)
def test_error_response_uses_status_and_public_message(exc: InsideoutError, status: int, message: str) -> None:
    response = error_response(exc)
    assert response.status_code == status
    assert _json(response.body) == {"error": message}
    assert "disk" not in bytes(response.body).decode()


def test_unauthorized_carries_www_authenticate() -> None:
    response = error_response(Unauthorized())
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert "www-authenticate" not in error_response(NotFound()).headers


def test_oauth_errors() -> None:
    response = error_response(OAuthError("invalid_grant"))
    assert response.status_code == 400
    body = _json(response.body)
    assert isinstance(body, dict) and list(body) == ["error", "error_description"]
    assert body["error"] == "invalid_grant"
    client = error_response(OAuthError("invalid_client", "Client authentication failed."))
    assert client.status_code == 401
    assert _json(client.body) == {"error": "invalid_client", "error_description": "Client authentication failed."}
    assert "www-authenticate" in client.headers
    assert oauth_error_body("custom_code") == {"error": "custom_code", "error_description": "custom_code"}
    assert error_body("x") == {"error": "x"}


def test_rate_limited_response_like_rack_attack() -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    response = rate_limited_response(300, now + timedelta(seconds=90, milliseconds=500), now=now)
    assert response.status_code == 429
    assert _json(response.body) == {"error": "Too many requests"}
    assert response.headers["x-ratelimit-limit"] == "300"
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == "2026-11-25T12:01:30.500000Z"
    assert response.headers["retry-after"] == "91"


def test_rate_limit_headers_parse_as_mastodon_py_does() -> None:
    import dateutil.parser

    reset = datetime(2026, 11, 25, 14, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    headers = rate_limit_headers(300, -3, reset)
    assert headers["X-RateLimit-Remaining"] == "0"
    assert dateutil.parser.parse(headers["X-RateLimit-Reset"]) == reset
    naive = rate_limit_headers(1, 1, datetime(2026, 1, 1))
    assert naive["X-RateLimit-Reset"] == "2026-01-01T00:00:00.000000Z"
