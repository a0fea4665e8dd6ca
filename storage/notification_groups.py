"""Which notifications share a group, as Mastodon 4.3 decides it (``Notification::Groups``).

1. Only ``favourite``, ``reblog`` and ``follow`` group. Favourites and boosts
   group per status (prefix ``favourite-<status_id>``), follows per recipient
   (prefix ``follow``).
2. The key is the prefix and an hour bucket: ``favourite-<status_id>-<hours since the epoch>``.
3. A new notification reuses the bucket of the previous one with its prefix
   while that one is at most ``MAX_GROUP_SPAN_HOURS`` old and the group
   started less than that many hours ago; otherwise it starts a new group.
   Mastodon keeps the previous bucket in Redis with that expiry; here it is
   read back from the newest notification of the prefix.

Every other notification is a group of its own, keyed ``ungrouped-<id>``;
so is one of a grouped type when a client leaves its type out of
``grouped_types``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

GROUPABLE_TYPES: Final = ("favourite", "reblog", "follow")
MAX_GROUP_SPAN_HOURS: Final = 12
SPAN: Final = timedelta(hours=MAX_GROUP_SPAN_HOURS)
UNGROUPED: Final = "ungrouped-"


def group_prefix(type_: str, status_id: int | None) -> str | None:
    """What a notification is grouped by, before the time bucket; None for a type that never groups."""
    if type_ in ("favourite", "reblog"):
        return None if status_id is None else f"{type_}-{status_id}"
    return type_ if type_ in GROUPABLE_TYPES else None


def hour_bucket(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600


def next_group_key(prefix: str, created_at: datetime, previous_key: str | None) -> str:
    """The key of a new notification, given the key of the previous one with this prefix (within ``SPAN``)."""
    bucket = hour_bucket(created_at)
    if previous_key is not None:
        previous = int(previous_key.rsplit("-", 1)[1])
        if bucket < previous + MAX_GROUP_SPAN_HOURS:
            bucket = previous
    return f"{prefix}-{bucket}"


def shown_group_key(notification_id: int, type_: str, group_key: str | None,
                    grouped_types: Collection[str] = GROUPABLE_TYPES) -> str:
    """The key a client sees: the stored one for a grouped type, else ``ungrouped-<id>``."""
    if group_key is not None and type_ in grouped_types:
        return group_key
    return f"{UNGROUPED}{notification_id}"


def ungrouped_id(group_key: str) -> int | None:
    """The notification id an ``ungrouped-<id>`` key names; None for any other key."""
    rest = group_key.removeprefix(UNGROUPED)
    return int(rest) if rest != group_key and rest.isdigit() and len(rest) < 20 else None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One group as a page shows it (Mastodon's ``load_groups_data``), counting only shown senders."""

    most_recent_id: int
    most_recent_at: datetime
    count: int
    sample_sender_ids: tuple[int, ...]  # newest first, at most SAMPLE_ACCOUNTS
    page_min_id: int | None  # the oldest of the group from the page's lowest id on; None outside a page


SAMPLE_ACCOUNTS: Final = 8  # Mastodon's NotificationGroup::SAMPLE_ACCOUNTS_SIZE
