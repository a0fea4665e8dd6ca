"""The OAuth aggregate: client apps, authorization codes, access tokens and browser sessions, and their stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OAuthApplication:
    """A registered client app; only a digest of its secret is kept."""

    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_digest: str = field(repr=False)
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewApplication:
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_digest: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """An OAuth authorization code (its digest is the key); single use, short-lived."""

    id: int
    application_id: int
    account_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    acting_as_account_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewAuthorizationCode:
    code_digest: str = field(repr=False)
    application_id: int
    account_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    acting_as_account_id: int | None = None


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An OAuth access token; only its SHA-256 digest is stored."""

    id: int
    account_id: int | None
    application_id: int | None
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    acting_as_account_id: int | None = None
    """None: the token acts as its own account; else as this organisational account."""


@dataclass(frozen=True, slots=True)
class WebSession:
    id: int
    account_id: int
    created_at: datetime
    revoked_at: datetime | None


class TokenStore(Protocol):
    async def create_access_token(
        self, token_digest: str, account_id: int | None, application_id: int | None, scopes: Sequence[str]
    ) -> AccessToken: ...

    async def get_access_token(self, token_digest: str) -> AccessToken | None:
        """The token with this digest, revoked or not; callers check ``revoked_at``."""
        ...

    async def access_token_by_id(self, token_id: int) -> AccessToken | None:
        """The token with this id, revoked or not (a push subscription names its token by id)."""
        ...

    async def revoke_access_token(self, token_digest: str) -> bool: ...

    async def create_session(self, session_digest: str, account_id: int) -> WebSession: ...

    async def get_session(self, session_digest: str) -> WebSession | None: ...

    async def revoke_session(self, session_digest: str) -> bool:
        """Sign one browser session out; False if there was no live session with this digest."""
        ...

    async def revoke_all_for_account(self, account_id: int) -> int:
        """Revoke every access token and web session of the account; returns how many."""
        ...

    async def live_tokens_of(self, account_id: int) -> Sequence[AccessToken]:
        """The account's unrevoked access tokens (never an app's own), newest first."""
        ...

    async def revoke_token_of(self, account_id: int, token_id: int) -> bool:
        """Revoke the account's token ``token_id``; False if it is not the account's, or revoked already."""
        ...

    async def live_sessions_of(self, account_id: int) -> Sequence[WebSession]:
        """The account's unrevoked web sessions (expired ones included: the caller knows the lifetime), newest first."""
        ...

    async def revoke_session_of(self, account_id: int, session_id: int) -> bool:
        """Sign out the account's session ``session_id``; False if it is not the account's, or revoked already."""
        ...


class OAuthStore(Protocol):
    """Client apps and authorization codes. Apps are never deleted behind a client's back."""

    async def create_application(self, application: NewApplication) -> OAuthApplication: ...

    async def get_application(self, application_id: int) -> OAuthApplication | None: ...

    async def get_application_by_client_id(self, client_id: str) -> OAuthApplication | None: ...

    async def create_authorization_code(self, code: NewAuthorizationCode) -> AuthorizationCode: ...

    async def get_authorization_code(self, code_digest: str) -> AuthorizationCode | None:
        """The code with this digest, used or expired or not; callers check."""
        ...

    async def redeem_authorization_code(self, code_id: int, token_digest: str) -> AccessToken | None:
        """Mark the code used and issue its token, atomically.

        If the code was already used, revoke every token issued from it
        (RFC 6749 section 4.1.2) and return None.
        """
        ...

    async def revoke_tokens_from_code(self, code_id: int) -> int:
        """Revoke every token issued from the code; returns how many."""
        ...
