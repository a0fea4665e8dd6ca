"""The instance's CSRF secret: one per instance, made on the first start and kept in ``instance_meta``.

Every server process signs and checks the browser forms' tokens with the
same key (server/signin/csrf.py says how a token is bound); each
reads it once, when the app starts (``CsrfKey.load``). It lives below the
views so the app state can hold it without importing them.
"""

from __future__ import annotations

from typing import Final

from server.services.instance_secrets import instance_secret, url_safe_mac
from storage.protocols import Storage

CSRF_SECRET_META: Final = "csrf_secret"


class CsrfKey:
    """The instance's CSRF secret, as this process read it from the database at start-up."""

    def __init__(self) -> None:
        self._secret: bytes | None = None

    async def load(self, storage: Storage) -> None:
        self._secret = await instance_secret(storage, CSRF_SECRET_META)

    def sign(self, binding: str) -> str:
        if self._secret is None:
            raise RuntimeError("the CSRF key is used before the app started")
        return url_safe_mac(self._secret, binding)


__all__ = ["CSRF_SECRET_META", "CsrfKey"]
