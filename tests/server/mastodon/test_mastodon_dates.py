"""Timestamps exactly as Mastodon renders them, and lenient ISO 8601 input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from activitypub.errors import InvalidInput
from server.edge.dates import format_date, format_datetime, format_optional_datetime, parse_datetime

UTC = UTC
PLUS_TWO = timezone(timedelta(hours=2))
MASTODON_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 25, 12, 31, 38, 123456, tzinfo=UTC), "2026-11-25T12:31:38.123Z"),
        (datetime(2026, 11, 25, 12, 31, 38, 999999, tzinfo=UTC), "2026-11-25T12:31:38.999Z"),  # truncated
        (datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC), "2026-11-25T12:31:38.000Z"),
        (datetime(2026, 11, 25, 14, 31, 38, 5000, tzinfo=PLUS_TWO), "2026-11-25T12:31:38.005Z"),
        (datetime(2026, 1, 1, 1, 0, 0, tzinfo=PLUS_TWO), "2025-12-31T23:00:00.000Z"),
        (datetime(2026, 11, 25, 12, 31, 38, 123000), "2026-11-25T12:31:38.123Z"),  # naive is UTC
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05.000Z"),
    ],
)
def test_format_datetime(moment: datetime, expected: str) -> None:
    assert format_datetime(moment) == expected
    assert MASTODON_SHAPE.match(expected)


def test_format_optional() -> None:
    assert format_optional_datetime(None) is None
    assert format_optional_datetime(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"


def test_format_date() -> None:
    assert format_date(date(2026, 11, 25)) == "2026-11-25"
    assert format_date(datetime(2026, 11, 25, 23, 59, tzinfo=UTC)) == "2026-11-25"
    assert format_date(datetime(2026, 11, 26, 1, 0, tzinfo=PLUS_TWO)) == "2026-11-25"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T12:31:38.123Z", datetime(2026, 11, 25, 12, 31, 38, 123000, tzinfo=UTC)),
        ("2026-11-25T12:31:38z", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        ("2026-11-25T14:31:38+02:00", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        ("2026-11-25T14:31:38+0200", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        ("2026-11-25T07:31:38-05:00", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        ("2026-11-25T12:31:38", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        ("2026-11-25 12:31:38.1234567+00:00", datetime(2026, 11, 25, 12, 31, 38, 123456, tzinfo=UTC)),
        ("2026-11-25t12:31", datetime(2026, 11, 25, 12, 31, tzinfo=UTC)),
        ("2026-11-25", datetime(2026, 11, 25, tzinfo=UTC)),
        ("  2026-11-25T12:31:38Z  ", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
        # what Mastodon.py sends for scheduled_at (its __consistent_isoformat_utc)
        ("2026-11-25T12:31:38+00:00", datetime(2026, 11, 25, 12, 31, 38, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "soon", "2026-13-01T00:00:00Z", "2026-11-25T25:00Z", "1700000000", "0001-01-01T00:00:00+01:00"]
)
def test_parse_datetime_rejects_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput, match="scheduled_at"):
        parse_datetime(text, "scheduled_at")


def test_round_trip() -> None:
    moment = datetime(2026, 11, 25, 12, 31, 38, 123000, tzinfo=UTC)
    assert parse_datetime(format_datetime(moment)) == moment
