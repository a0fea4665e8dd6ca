"""Mastodon 4.3's Tag and FeaturedTag entities, and the ``history`` days tags and trending links carry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from activitypub.uris import Uris
from storage.models import Account, Tag
from storage.trends import DayUse, FeaturedTag


def history_entity(days: Sequence[DayUse]) -> list[dict[str, str]]:
    """Mastodon's shape: ``day`` is the unix time of the UTC midnight, every value a string."""
    return [
        {
            "day": str(int(datetime.fromisoformat(use.day).replace(tzinfo=UTC).timestamp())),
            "uses": str(use.uses),
            "accounts": str(use.accounts),
        }
        for use in days
    ]


def tag_entity(
    tag: Tag, *, base_url: str, following: bool | None, history: Sequence[DayUse] = (), featuring: bool | None = None
) -> dict[str, Any]:
    """``following`` and ``featuring`` (Mastodon 4.4) None leave the field out."""
    entity: dict[str, Any] = {
        "id": str(tag.id),
        "name": tag.display_name,
        "url": Uris.of(base_url).tag(tag.name),
        "history": history_entity(history),
    }
    if following is not None:
        entity["following"] = following
    if featuring is not None:
        entity["featuring"] = featuring
    return entity


def featured_tag_entity(featured: FeaturedTag, account: Account, *, base_url: str) -> dict[str, Any]:
    """``statuses_count`` is a string and ``last_status_at`` a date, as Mastodon's serializer writes them."""
    last = featured.last_status_at
    return {
        "id": str(featured.id),
        "name": featured.tag.display_name,
        "url": f"{Uris.of(base_url).profile_page(account.username)}/tagged/{featured.tag.name}",
        "statuses_count": str(featured.statuses_count),
        "last_status_at": last.astimezone(UTC).date().isoformat() if last else None,
    }
