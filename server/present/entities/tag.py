"""Mastodon 4.3's Tag entity. Usage history is not kept, so ``history`` is empty."""

from __future__ import annotations

from typing import Any

from activitypub.uris import Uris
from storage.models import Tag


def tag_entity(tag: Tag, *, base_url: str, following: bool) -> dict[str, Any]:
    return {
        "id": str(tag.id),
        "name": tag.display_name,
        "url": Uris.of(base_url).tag(tag.name),
        "history": [],
        "following": following,
    }
