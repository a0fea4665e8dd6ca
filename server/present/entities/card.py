"""Mastodon's PreviewCard entity (4.3); the image is our proxy URL, never the partner's."""

from __future__ import annotations

from typing import Any

from server.services.remote_media import proxy_url
from storage.remote_media import PreviewCard


def card_entity(card: PreviewCard, *, base_url: str) -> dict[str, Any]:
    author = {"name": card.author_name, "url": card.author_url, "account": None}
    return {
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "language": card.language,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": card.author_url,
        "authors": [author] if card.author_name or card.author_url else [],
        "provider_name": card.provider_name,
        "provider_url": card.provider_url,
        "html": card.html,
        "width": card.width,
        "height": card.height,
        "image": proxy_url(base_url, card.image_token) if card.image_token else None,
        "image_description": "",
        "embed_url": card.embed_url,
        "blurhash": card.blurhash,
        "published_at": None,
    }
