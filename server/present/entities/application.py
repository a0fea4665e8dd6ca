"""Mastodon 4.3's Application entity (``REST::ApplicationSerializer`` and its credential form)."""

from __future__ import annotations

from typing import Any

from storage.models import OAuthApplication


def application_entity(
    application: OAuthApplication, *, vapid_key: str, client_secret: str | None = None
) -> dict[str, Any]:
    """The app as clients see it; ``client_secret`` only in the answer that registers it.

    The secret is shown once: only its digest is stored, so it cannot be
    shown again (Mastodon's ``verify_credentials`` omits it as well).
    """
    entity: dict[str, Any] = {
        "id": str(application.id),
        "name": application.name,
        "website": application.website,
        "scopes": list(application.scopes),
        "redirect_uri": "\n".join(application.redirect_uris),
        "redirect_uris": list(application.redirect_uris),
        "vapid_key": vapid_key,
    }
    if client_secret is not None:
        entity["client_id"] = application.client_id
        entity["client_secret"] = client_secret
        entity["client_secret_expires_at"] = 0
    return entity
