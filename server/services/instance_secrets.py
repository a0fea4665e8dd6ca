"""Random secrets of this instance, made once and shared by every process, and the MACs made with them.

Each secret lives in the instance metadata under its own name, so a leaked
one (say, the key of unsubscribe links) signs nothing else (CSRF tokens).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from storage.protocols import Storage


async def instance_secret(storage: Storage, name: str) -> bytes:
    """The secret stored under ``name``, made on first use: 256 random bits, URL-safe."""
    stored = await storage.instance.get_meta(name)
    if stored is None:
        # Processes starting together: check-and-set in one transaction; the loser adopts the winner's.
        async with storage.transaction():
            stored = await storage.instance.get_meta(name)
            if stored is None:
                stored = secrets.token_urlsafe(32)
                await storage.instance.set_meta(name, stored)
    return stored.encode("ascii")


def url_safe_mac(secret: bytes, message: str) -> str:
    """HMAC-SHA256 of ``message``, base64url without padding: fit for a URL or a form field."""
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


__all__ = ["instance_secret", "url_safe_mac"]
