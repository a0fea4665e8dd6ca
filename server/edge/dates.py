"""Timestamps as Mastodon writes and reads them.

Mastodon renders times with Ruby's ``iso8601(3)`` in UTC:
``2026-11-25T12:31:38.123Z`` (milliseconds truncated, never rounded), and
dates such as an account's ``last_status_at`` as ``2026-11-25``. Clients
send ISO 8601 (``scheduled_at``, filter ``expires_at``...) with ``Z``, an
offset, or none at all, which means UTC (Mastodon's default time zone).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from activitypub.errors import InvalidInput


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """``2026-11-25T12:31:38.123Z``."""
    return _utc(moment).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def format_optional_datetime(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


def format_date(moment: date | datetime) -> str:
    """``2026-11-25``; a datetime is first converted to UTC."""
    if isinstance(moment, datetime):
        moment = _utc(moment).date()
    return moment.isoformat()


def parse_datetime(value: str, name: str = "datetime") -> datetime:
    """An aware UTC datetime from ISO 8601 client input, or ``InvalidInput`` naming ``name``.

    Accepts ``Z`` or ``z``, ``+01:00``/``+0100``/``+01`` offsets, any number of
    fractional digits, ``T`` or a space between date and time, and a bare
    date (midnight UTC). Input without an offset is UTC.
    """
    text = value.strip()
    if text[-1:] in ("z", "Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 10 and text[10] in "t ":
        text = text[:10] + "T" + text[11:]
    try:
        return _utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"{name} is not a valid ISO 8601 date and time", detail=repr(value)) from exc
