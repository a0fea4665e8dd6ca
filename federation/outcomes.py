"""What an answer from another server means: ok, retry later, permanent, or gone.

Every remote failure gets a class (STYLE.md, habit 6): 2xx is ok, 410 is
gone, 401, 408, 429 and 5xx are tried again (honouring ``Retry-After``), and
any other status is permanent. Fetches turn a non-ok outcome into the
matching exception; deliveries record it on their row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from activitypub.errors import Gone, PermanentFailure, RetryLater

MAX_RETRY_AFTER = 86_400.0


class RemoteHTTPError(PermanentFailure):
    """A remote server answered a fetch with a status that will not change."""

    def __init__(self, status: int, *, detail: str | None = None) -> None:
        super().__init__("The remote server refused the request", detail=detail)
        self.status = status


OutcomeKind = Literal["ok", "retry", "permanent", "gone"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    retry_after: float | None = None
    status: int | None = None
    error: str = ""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def classify_response(
    status: int, headers: Mapping[str, str] | None = None, *, now: datetime | None = None
) -> Outcome:
    """2xx ok; 410 gone; 401, 408, 429 and 5xx retry; anything else permanent."""
    if 200 <= status < 300:
        return Outcome("ok", status=status)
    if status == 410:
        return Outcome("gone", status=status, error="HTTP 410")
    if status in (401, 408, 429) or 500 <= status < 600:
        header = None if headers is None else headers.get("retry-after", headers.get("Retry-After"))
        return Outcome("retry", parse_retry_after(header, now=now), status, f"HTTP {status}")
    return Outcome("permanent", status=status, error=f"HTTP {status}")


def classify_exception(exc: BaseException) -> Outcome:
    """The outcome of a request that raised instead of answering."""
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RetryLater):
        return Outcome("retry", exc.retry_after, error=error)
    if isinstance(exc, Gone):
        return Outcome("gone", status=410, error=error)
    if isinstance(exc, RemoteHTTPError):
        return Outcome("permanent", status=exc.status, error=error)
    if isinstance(exc, (httpx.TransportError, TimeoutError, OSError)):
        return Outcome("retry", error=error)
    return Outcome("permanent", error=error)


def raise_for_outcome(outcome: Outcome, url: str) -> None:
    """Turn a non-ok outcome of a fetch into the matching exception."""
    detail = f"{outcome.error} from {url}"
    if outcome.kind == "retry":
        raise RetryLater("The remote server is unavailable", detail=detail, retry_after=outcome.retry_after)
    if outcome.kind == "gone":
        raise Gone("The remote object is gone", detail=detail)
    if outcome.kind == "permanent":
        raise RemoteHTTPError(outcome.status or 0, detail=detail)
