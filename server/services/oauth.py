"""OAuth 2 for client apps: registration, client authentication, codes, grants and revocation.

The edges (server/mastodon/oauth) parse the requests and answer in
Doorkeeper's words; this service keeps the rules about the stored rows:

* client secrets, codes and tokens are kept as digests only
  (server/services/access_tokens.py), and a client secret is compared by
  digest, always, so the timing says nothing about which part was wrong;
* a code lives ``CODE_LIFETIME``, is redeemed once (a second redemption
  revokes every token issued from it, RFC 6749 section 4.1.2), only by the
  client it was issued to, with the same redirect URI, and with the PKCE
  verifier when the authorization sent a challenge (S256, RFC 7636);
* a token is revoked only by the client it was issued to (RFC 7009).

Expected refusals come back as results (``GrantRefused``, ``None``,
``False``) for the edge to word; nothing here raises for them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from server.services.access_tokens import digest_token, new_token
from server.services.identities import identities_for, may_act_as
from server.signin.throttle import utc_now
from storage.models import (
    AccessToken,
    Account,
    AuthorizationCode,
    NewApplication,
    NewAuthorizationCode,
    OAuthApplication,
    User,
)
from storage.protocols import Storage

CODE_LIFETIME: Final = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: AccessToken
    raw: str
    """The token itself, shown to the client this once."""


@dataclass(frozen=True, slots=True)
class GrantRefused:
    """An ``invalid_grant``; ``detail`` is for the log, never for the client."""

    detail: str


@dataclass(frozen=True, slots=True)
class CodeRequest:
    """What a consented authorization request asks a code for."""

    application_id: int
    account_id: int
    redirect_uri: str
    scopes: Collection[str]
    code_challenge: str | None
    code_challenge_method: str | None
    acting_as_account_id: int | None


def pkce_matches(code: AuthorizationCode, verifier: str | None) -> bool:
    if code.code_challenge is None:
        return True
    if not verifier or not 43 <= len(verifier) <= 128:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return secrets.compare_digest(computed, code.code_challenge)


class OAuthService:
    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utc_now) -> None:
        self._storage = storage
        self._clock = clock

    async def register(self, application: NewApplication) -> OAuthApplication:
        return await self._storage.oauth.create_application(application)

    async def application(self, application_id: int) -> OAuthApplication | None:
        return await self._storage.oauth.get_application(application_id)

    async def by_client_id(self, client_id: str) -> OAuthApplication | None:
        return await self._storage.oauth.get_application_by_client_id(client_id)

    async def client(self, client_id: str, secret: str) -> OAuthApplication | None:
        """The app whose credentials these are; None for an unknown client, a wrong or an empty secret."""
        application = await self.by_client_id(client_id) if client_id else None
        expected = application.client_secret_digest if application else digest_token(new_token())
        if not secrets.compare_digest(expected, digest_token(secret)) or application is None or not secret:
            return None
        return application

    async def identities(self, user: User) -> Sequence[Account]:
        """The organisational accounts the person may let an app act as, besides themselves."""
        return await identities_for(self._storage, user)

    async def identity_to_act_as(self, user: User, account_id: int) -> Account | None:
        """The account, if the person may act as it now; asked on every consent, as roles change."""
        identity = await self._storage.accounts.get(account_id)
        if identity is None or not await may_act_as(self._storage, user, identity):
            return None
        return identity

    async def issue_code(self, request: CodeRequest) -> str:
        """A new authorization code, live ``CODE_LIFETIME``; the raw code, for the redirect (only its digest is kept)."""
        raw = new_token()
        await self._storage.oauth.create_authorization_code(NewAuthorizationCode(
            code_digest=digest_token(raw),
            application_id=request.application_id,
            account_id=request.account_id,
            redirect_uri=request.redirect_uri,
            scopes=tuple(sorted(request.scopes)),
            expires_at=self._clock() + CODE_LIFETIME,
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
            acting_as_account_id=request.acting_as_account_id,
        ))
        return raw

    async def redeem_code(
        self, application: OAuthApplication, raw_code: str, redirect_uri: str | None, verifier: str | None,
    ) -> IssuedToken | GrantRefused:
        oauth = self._storage.oauth
        code = await oauth.get_authorization_code(digest_token(raw_code))
        if code is None:
            return GrantRefused("unknown code")
        if code.used_at is not None:
            revoked = await oauth.revoke_tokens_from_code(code.id)
            return GrantRefused(f"code reused; revoked {revoked} token(s)")
        if code.application_id != application.id:
            return GrantRefused("code of another client")
        if code.expires_at <= self._clock():
            return GrantRefused("code expired")
        if redirect_uri != code.redirect_uri:
            return GrantRefused("redirect_uri differs from the authorization request")
        if not pkce_matches(code, verifier):
            return GrantRefused("PKCE verifier does not match")
        user = await self._storage.accounts.get_user(code.account_id)
        if user is None or user.disabled:
            return GrantRefused("user disabled since the authorization")
        raw = new_token()
        token = await oauth.redeem_authorization_code(code.id, digest_token(raw))
        if token is None:
            return GrantRefused("code redeemed concurrently")
        return IssuedToken(token, raw)

    async def issue_token(self, account_id: int | None, application_id: int, scopes: Collection[str]) -> IssuedToken:
        """A token of the account (None: the app's own) for the password and client credentials grants."""
        raw = new_token()
        token = await self._storage.tokens.create_access_token(digest_token(raw), account_id, application_id,
                                                               sorted(scopes))
        return IssuedToken(token, raw)

    async def revoke(self, application: OAuthApplication, raw: str) -> bool:
        """Revoke the token if it is unknown, revoked already or this client's; False: another client's."""
        digest = digest_token(raw)
        token = await self._storage.tokens.get_access_token(digest)
        if token is not None and token.application_id != application.id:
            return False
        if token is not None:
            await self._storage.tokens.revoke_access_token(digest)
        return True
