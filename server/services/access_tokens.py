"""Access tokens and who holds them: the lookup behind every bearer token, for the API and the streams.

Tokens are random strings handed out once (``new_token``); only their SHA-256
digest is stored (``digest_token``), so a leaked database holds no usable
token. The same two functions make and keep codes, sessions and client
secrets.

``AccessTokens.holder`` checks a token in this order, and the first failure
is the answer, a ``Refused`` with its reason:

1. the token exists (``UNKNOWN``) and is not revoked (``REVOKED``);
2. it names a user; if not, it is an app's own token (``AppToken``);
3. its account still has a sign-in (``NO_SIGN_IN``);
4. that user is not disabled (``DISABLED``);
5. a token acting as an organisational account: its human may still act
   as it (``LOST_IDENTITY``). The API revokes such a token there and then;
   a stream only ends.

Nothing is cached between calls: a revoked token or a disabled user is
refused on the very next one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from server.services.identities import acting_identity, reader_for_token
from server.services.mail.presence import Presence
from storage.models import AccessToken, Account, OAuthApplication, Reader, User
from storage.protocols import Storage


def new_token() -> str:
    """A fresh secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest_token(raw: str) -> str:
    """The stored form of a token, code, session or client secret."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Refusal(Enum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    NO_SIGN_IN = "no_sign_in"
    DISABLED = "disabled"
    LOST_IDENTITY = "lost_identity"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    token: AccessToken | None = None
    """The token refused, when there is one (for the log's detail)."""


@dataclass(frozen=True, slots=True)
class AppToken:
    """An app's own token (``client_credentials``): it names no user."""

    token: AccessToken


@dataclass(frozen=True, slots=True)
class TokenHolder:
    token: AccessToken
    identity: Account
    """Who the token speaks as: the human, or the organisational account it acts as."""
    human: Account
    user: User


@dataclass(frozen=True, slots=True)
class Grant:
    """A token a person granted an app: the app (None if it is gone) and who it acts as (None: the person)."""

    token: AccessToken
    application: OAuthApplication | None
    acting_as: Account | None


class AccessTokens:
    def __init__(self, storage: Storage, presence: Presence | None = None) -> None:
        self._storage = storage
        # Every token checked for a person (an API request, a stream opened or re-checked) marks them seen.
        self._presence = presence

    async def holder(self, digest: str, *, revoke_lost_identity: bool) -> TokenHolder | AppToken | Refused:
        """Who holds the token with ``digest``, checked in the order of the module docstring."""
        token = await self._storage.tokens.get_access_token(digest)
        if token is None:
            return Refused(Refusal.UNKNOWN)
        if token.revoked_at is not None:
            return Refused(Refusal.REVOKED, token)
        if token.account_id is None:
            return AppToken(token)
        human = await self._storage.accounts.get(token.account_id)
        user = await self._storage.accounts.get_user(token.account_id)
        if human is None or user is None:
            return Refused(Refusal.NO_SIGN_IN, token)
        if user.disabled:
            return Refused(Refusal.DISABLED, token)
        identity = human
        if token.acting_as_account_id is not None:
            acting = await acting_identity(self._storage, token, user)
            if acting is None:
                if revoke_lost_identity:
                    await self._storage.tokens.revoke_access_token(digest)
                return Refused(Refusal.LOST_IDENTITY, token)
            identity = acting
        if self._presence is not None:
            await self._presence.seen(human.id)
        return TokenHolder(token, identity, human, user)

    async def live_reader(self, digest: str) -> Reader | None:
        """The eyes the token with ``digest`` reads with now; None once it is revoked or may read nothing."""
        token = await self._storage.tokens.get_access_token(digest)
        if token is None or token.revoked_at is not None:
            return None
        reader = await reader_for_token(self._storage, token)
        if reader is not None and self._presence is not None and token.account_id is not None:
            await self._presence.seen(token.account_id)
        return reader

    async def granted(self, account_id: int) -> Sequence[Grant]:
        """The person's live tokens, newest first, each with its app and the identity it acts as."""
        grants = []
        for token in await self._storage.tokens.live_tokens_of(account_id):
            app = await self._storage.oauth.get_application(token.application_id) if token.application_id else None
            acting = await self._storage.accounts.get(token.acting_as_account_id) \
                if token.acting_as_account_id is not None else None
            grants.append(Grant(token, app, acting))
        return grants

    async def revoke_granted(self, account_id: int, token_id: int) -> bool:
        """Revoke the person's token ``token_id``; False for another's, a missing or a revoked one.

        Its push subscription falls silent with it, and an open stream ends at its next check.
        """
        return await self._storage.tokens.revoke_token_of(account_id, token_id)
