"""Classifying delivery results: what is retried, what is given up on."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from activitypub.errors import BlockedDestination, Gone, PermanentFailure, RetryLater
from federation.http import ResponseTooLarge, user_agent
from federation.outcomes import (
    MAX_RETRY_AFTER,
    RemoteHTTPError,
    classify_exception,
    classify_response,
    parse_retry_after,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (200, "ok"),
        (201, "ok"),
        (202, "ok"),
        (204, "ok"),
        (301, "permanent"),
        (400, "permanent"),
        (401, "retry"),
        (403, "permanent"),
        (404, "permanent"),
        (405, "permanent"),
        (408, "retry"),
        (410, "gone"),
        (413, "permanent"),
        (422, "permanent"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (504, "retry"),
    ],
)
def test_classify_response_table(status: int, kind: str) -> None:
    outcome = classify_response(status, {})
    assert outcome.kind == kind
    assert outcome.status == status
    assert outcome.retry_after is None


def test_retry_after_seconds_is_honoured() -> None:
    outcome = classify_response(429, httpx.Headers({"Retry-After": "120"}))
    assert (outcome.kind, outcome.retry_after) == ("retry", 120.0)


def test_retry_after_http_date_is_honoured() -> None:
    outcome = classify_response(503, {"retry-after": "Wed, 01 May 2024 12:05:00 GMT"}, now=NOW)
    assert (outcome.kind, outcome.retry_after) == ("retry", 300.0)


def test_retry_after_is_ignored_on_permanent_failures() -> None:
    assert classify_response(404, {"Retry-After": "10"}).retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        (" 30 ", 30.0),
        ("Wed, 01 May 2024 12:00:10 GMT", 10.0),
        ("Wednesday, 01-May-24 12:01:00 GMT", 60.0),
        ("Tue, 30 Apr 2024 12:00:00 GMT", 0.0),
        ("99999999999", MAX_RETRY_AFTER),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), "retry"),
        (httpx.ConnectTimeout("slow"), "retry"),
        (httpx.ReadTimeout("slow"), "retry"),
        (httpx.RemoteProtocolError("eof"), "retry"),
        (TimeoutError(), "retry"),
        (ConnectionResetError(), "retry"),
        (RetryLater(retry_after=5.0), "retry"),
        (BlockedDestination(), "permanent"),
        (PermanentFailure(), "permanent"),
        (ResponseTooLarge(), "permanent"),
        (RemoteHTTPError(404), "permanent"),
        (Gone(), "gone"),
        (ValueError("bug"), "permanent"),
    ],
)
def test_classify_exception(exc: BaseException, kind: str) -> None:
    assert classify_exception(exc).kind == kind


def test_classify_exception_keeps_retry_after_and_status() -> None:
    assert classify_exception(RetryLater(retry_after=5.0)).retry_after == 5.0
    assert classify_exception(RemoteHTTPError(403)).status == 403


def test_user_agent() -> None:
    assert user_agent("https://social.example/") == "Insideout/0.1.0 (+https://social.example/)"
    assert user_agent("https://social.example", "1.2.3") == "Insideout/1.2.3 (+https://social.example/)"
