"""Mastodon's MediaAttachment entity (4.3) for a stored medium; URLs are capability URLs on base_url."""

from __future__ import annotations

from typing import Any

from storage.media import MediaAttachment


def media_url(base_url: str, media: MediaAttachment, name: str | None) -> str | None:
    if not media.capability_token or not name:
        return None
    return f"{base_url}/media/{media.capability_token}/{name}"


def media_entity(media: MediaAttachment, *, base_url: str) -> dict[str, Any]:
    meta: dict[str, Any] = {key: value for key, value in media.meta.items() if key in ("original", "small")}
    meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": media_url(base_url, media, media.file_name) or media.remote_url,
        "preview_url": media_url(base_url, media, media.thumbnail_name),
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
    }
