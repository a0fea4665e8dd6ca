"""Capability tokens for proxied remote media.

A partner's file is shown to clients only as ``/media/proxy/<token>/...``
(``server.services.remote_media``). The token is made when the row is
stored, by whoever stores it (the inbox for attachments, the services for
avatars and card images), so it lives in the lowest layer that stores one.
"""

from __future__ import annotations

import secrets


def new_token() -> str:
    """A capability token: 192 random bits, URL-safe, never derived from an id or the URL."""
    return secrets.token_urlsafe(24)
