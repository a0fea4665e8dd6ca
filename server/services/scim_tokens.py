"""SCIM bearer tokens: made by an admin (``insideout scim token create NAME``), shown once, kept as a digest.

A SCIM token is not an OAuth access token: it lives in its own table, so it
opens the SCIM endpoints and nothing else, and no Mastodon token opens them.
Who used it is the token's name; every change it makes is audited as
``scim:<name>``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from activitypub.errors import Conflict, InvalidInput, NotFound
from server.services.admin_log import audit
from storage.clock import utcnow
from storage.protocols import Storage
from storage.scim import ScimToken

TOKEN_PREFIX = "scim_"
TOKEN_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
MAX_TOKEN = 200
# ``last_used_at`` is written at most this often per token: a provisioning run makes thousands of requests.
USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ScimCaller:
    token_id: int
    name: str

    @property
    def actor(self) -> str:
        """The audit log's actor for what this token does."""
        return f"scim:{self.name}"


@dataclass(frozen=True, slots=True)
class NewScimToken:
    token: ScimToken
    secret: str


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ScimTokens:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def create(self, name: str, *, by: str) -> NewScimToken:
        if not TOKEN_NAME.match(name):
            raise InvalidInput("A token name is 1 to 64 letters, digits, '.', '_' or '-'")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            async with self._storage.transaction():
                token = await self._storage.scim.create_token(name, token_digest(secret))
                await audit(self._storage, by, "scim.token_create", "scim_token", token.id, name=name)
        except Conflict:
            raise Conflict(f"A SCIM token named {name!r} exists already (names are never reused)") from None
        return NewScimToken(token, secret)

    async def list(self) -> Sequence[ScimToken]:
        return await self._storage.scim.tokens()

    async def revoke(self, name: str, *, by: str) -> None:
        async with self._storage.transaction():
            if not await self._storage.scim.revoke_token(name):
                raise NotFound(f"No live SCIM token named {name!r}")
            await audit(self._storage, by, "scim.token_revoke", "scim_token", name, name=name)

    async def authenticate(self, secret: str | None) -> ScimCaller | None:
        """The caller a bearer token is, or None for no, a revoked or an unknown token."""
        if not secret or len(secret) > MAX_TOKEN or not secret.startswith(TOKEN_PREFIX):
            return None
        token = await self._storage.scim.token_by_digest(token_digest(secret))
        if token is None:
            return None
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
            await self._storage.scim.token_used(token.id, now)
        return ScimCaller(token.id, token.name)
