"""The instance's CSRF secret: one per instance, made on the first start and kept in ``instance_meta``.

Every server process signs and checks the browser forms' tokens with the
same key (server/signin/csrf.py says how a token is bound); each
reads it once, when the app starts (``CsrfKey.load``). It lives below the
views so the app state can hold it without importing them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

from storage.protocols import Storage

CSRF_SECRET_META: Final = "csrf_secret"


class CsrfKey:
    """The instance's CSRF secret, as this process read it from the database at start-up."""

    def __init__(self) -> None:
        self._secret: bytes | None = None

    async def load(self, storage: Storage) -> None:
        self._secret = (await _stored_secret(storage)).encode("ascii")

    def sign(self, binding: str) -> str:
        if self._secret is None:
            raise RuntimeError("the CSRF key is used before the app started")
        mac = hmac.new(self._secret, binding.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


async def _stored_secret(storage: Storage) -> str:
    stored = await storage.instance.get_meta(CSRF_SECRET_META)
    if stored is not None:
        return stored
    # Processes starting together: the transaction makes check-and-set atomic; the loser adopts the winner's.
    async with storage.transaction():
        stored = await storage.instance.get_meta(CSRF_SECRET_META)
        if stored is None:
            # As ``server.mastodon.auth.new_token``: 256 random bits, URL-safe.
            stored = secrets.token_urlsafe(32)
            await storage.instance.set_meta(CSRF_SECRET_META, stored)
    return stored


__all__ = ["CSRF_SECRET_META", "CsrfKey"]
