"""Who is calling the client API: a staff user's token, an app-only token, or nobody.

Tokens are random strings handed out once; only their SHA-256 digest is
stored, so a leaked database holds no usable token; the checks of who holds
one are the service's (server/services/access_tokens.py). As in Doorkeeper
(Mastodon's OAuth library) a token arrives in ``Authorization: Bearer``,
else in the ``access_token`` (or ``bearer_token``) query or form parameter.

An app-only token (``client_credentials`` grant) names no user. It may call
the few app endpoints, and everywhere else it counts as ANONYMOUS, so it can
never see anything internal: ``optional_viewer`` maps it to None.

Nothing is cached between requests: a revoked token or a disabled user is
refused on the very next request.

A token may *act as* an organisational account (the company or a
department), chosen on the consent page. Its ``Viewer.account`` is then that
identity, so every handler posts, reads and follows as it, while ``user`` and
``human`` stay the person, for role checks and the audit log. Whether the
person may still act as it is asked on every request; once not, the token is
revoked and refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

from starlette.requests import Request

from activitypub.errors import Forbidden, InsideoutError, Unauthorized
from server.edge.params import media_type, parse_json_body
from server.mastodon.scopes import ScopeSet
from server.services.access_tokens import AccessTokens, AppToken, Refusal, Refused, digest_token
from server.services.access_tokens import new_token as new_token  # re-exported: the OAuth views and tests use it
from server.services.identities import Editor, reader_for
from server.state import app_state
from storage.models import AccessToken, Account, Reader, User

INVALID_TOKEN_MESSAGE: Final = "The access token is invalid"
USER_REQUIRED_MESSAGE: Final = "This method requires an authenticated user"
DISABLED_MESSAGE: Final = "Your login is currently disabled"
TOKEN_PARAMS: Final = ("access_token", "bearer_token")
_MAX_TOKEN_LENGTH: Final = 512


@dataclass(frozen=True, slots=True)
class Viewer:
    """A staff user calling through a token of theirs."""

    account: Account
    """Who the request speaks as: the human, or the organisational account the token acts as."""
    user: User
    """The human's sign-in row: their role, whether they are disabled."""
    token: AccessToken
    scopes: ScopeSet
    application_id: int | None
    acting_as: int | None
    """The organisational account the token acts as; None: the token acts as the human."""
    human: Account
    """The person behind the token, whatever identity it acts as."""

    @property
    def reader(self) -> Reader:
        """The eyes reads through this token use: an acting-as token may see less of the identity's mail."""
        return reader_for(self.account, self.human, self.user)

    @property
    def editor(self) -> Editor:
        """Who changes settings through this token, for the one rule and the audit log."""
        return Editor(self.human, self.user, self.actor)

    @property
    def actor(self) -> str:
        """The audit log's name for whoever decides through this token: the human, and the identity used."""
        if self.acting_as is None:
            return f"user:{self.human.id}"
        return f"user:{self.human.id} as {self.account.kind.value}:{self.account.id}"


@dataclass(frozen=True, slots=True)
class AppOnly:
    """An app's own token (``client_credentials``): no user, anonymous to everything internal."""

    token: AccessToken
    scopes: ScopeSet
    application_id: int | None


Principal = Viewer | AppOnly


def _tokens(request: Request) -> AccessTokens:
    return app_state(request).services.tokens


def bearer_from_header(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def _token_from_body(request: Request) -> str | None:
    # Multipart bodies are left alone: they may be large uploads, and no client sends a token there.
    kind = media_type(request)
    if request.method in ("GET", "HEAD") or kind not in ("application/x-www-form-urlencoded", "application/json"):
        return None
    body = await request.body()  # cached by Starlette, so the handler can still read it
    values: Mapping[str, object]
    try:
        if kind == "application/json":
            values = parse_json_body(body)
        else:
            values = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (InsideoutError, ValueError):
        return None  # the handler reports the malformed body in its own words
    for name in TOKEN_PARAMS:
        value = values.get(name)
        if isinstance(value, str) and value:
            return value
    return None


async def token_from_request(request: Request) -> str | None:
    raw = bearer_from_header(request)
    if raw is None:
        raw = next((request.query_params[n] for n in TOKEN_PARAMS if request.query_params.get(n)), None)
    if raw is None:
        raw = await _token_from_body(request)
    return raw


async def authenticate(request: Request) -> Principal | None:
    """The caller, or None without a token; 401 for an unknown or revoked token, 403 for a disabled user."""
    raw = await token_from_request(request)
    if raw is None:
        return None
    if len(raw) > _MAX_TOKEN_LENGTH:
        raise Unauthorized(INVALID_TOKEN_MESSAGE, detail="oversized token")
    held = await _tokens(request).holder(digest_token(raw), revoke_lost_identity=True)
    if isinstance(held, Refused):
        raise _refusal(held)
    scopes = ScopeSet(frozenset(held.token.scopes))
    if isinstance(held, AppToken):
        return AppOnly(held.token, scopes, held.token.application_id)
    token = held.token
    return Viewer(held.identity, held.user, token, scopes, token.application_id, token.acting_as_account_id,
                  held.human)


def _refusal(refused: Refused) -> InsideoutError:
    token = refused.token
    if refused.reason is Refusal.UNKNOWN or token is None:
        return Unauthorized(INVALID_TOKEN_MESSAGE, detail="unknown")
    if refused.reason is Refusal.REVOKED:
        return Unauthorized(INVALID_TOKEN_MESSAGE, detail="revoked")
    if refused.reason is Refusal.NO_SIGN_IN:
        return Unauthorized(INVALID_TOKEN_MESSAGE, detail="token of an account without sign-in")
    if refused.reason is Refusal.DISABLED:
        return Forbidden(DISABLED_MESSAGE, detail=f"account {token.account_id}")
    return Unauthorized(INVALID_TOKEN_MESSAGE, detail=f"account {token.account_id} may no longer act as "
                        f"{token.acting_as_account_id}; token revoked")


async def require_app_or_user(request: Request, *scopes: str) -> Principal:
    """Any valid token holding one of ``scopes`` (none given: any token)."""
    principal = await authenticate(request)
    if principal is None:
        raise Unauthorized(INVALID_TOKEN_MESSAGE, detail="no token")
    if scopes:
        principal.scopes.require(*scopes)
    return principal


async def require_user(request: Request, *scopes: str) -> Viewer:
    """A staff user's token holding one of ``scopes``; an app-only token is refused like no token.

    The app-only check comes before the scope check, so an outsider always
    hears 401, whatever scopes its app token happens to carry.
    """
    principal = await require_app_or_user(request)
    if isinstance(principal, AppOnly):
        raise Unauthorized(USER_REQUIRED_MESSAGE, detail="app-only token")
    if scopes:
        principal.scopes.require(*scopes)
    return principal


async def optional_viewer(request: Request, *scopes: str) -> Viewer | None:
    """The staff user, or None for anonymous and app-only callers (who are outsiders)."""
    principal = await authenticate(request)
    if principal is None:
        return None
    if scopes:
        principal.scopes.require(*scopes)
    return principal if isinstance(principal, Viewer) else None
