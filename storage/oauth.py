"""Records of the OAuth aggregate: client apps and authorization codes (tokens live in ``storage.models``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
