"""Mastodon's MediaAttachment entity (4.3) for a stored medium; URLs are capability URLs on base_url."""

from __future__ import annotations

from typing import Any

from activitypub.uris import Uris
from storage.media import MediaAttachment


def media_url(base_url: str, media: MediaAttachment, name: str | None) -> str | None:
    if not media.capability_token or not name:
        return None
    return Uris.of(base_url).media(media.capability_token, name)


def _proxied(base_url: str, media: MediaAttachment, size: str) -> str | None:
    """A remote medium is loaded through our proxy, never from the partner (server/services/remote_media.py)."""
    if not media.remote_url or not media.capability_token:
        return None
    return Uris.of(base_url).media_proxy(media.capability_token, size)


def media_entity(media: MediaAttachment, *, base_url: str) -> dict[str, Any]:
    meta: dict[str, Any] = {key: value for key, value in media.meta.items() if key in ("original", "small")}
    meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": _proxied(base_url, media, "original") or media_url(base_url, media, media.file_name),
        "preview_url": _proxied(base_url, media, "small") or media_url(base_url, media, media.thumbnail_name),
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
    }
