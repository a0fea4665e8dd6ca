"""``POST /oauth/token`` and ``POST /oauth/revoke`` (RFC 6749, RFC 7636, RFC 7009).

Grants: ``authorization_code`` (with PKCE S256 when the authorization asked
for it), ``password`` (username is the email, as in Mastodon; a plain
username works too) and ``client_credentials`` (an app-only token, which
counts as anonymous everywhere internal). Errors are Doorkeeper's
``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.errors import BadRequest
from server.mastodon.auth import digest_token, new_token
from server.mastodon.errors import OAuthError, rate_limited_response
from server.mastodon.oauth.clients import authenticate_client
from server.mastodon.oauth.signin import Outcome, throttled_sign_in
from server.mastodon.params import Params, read_params
from server.mastodon.scopes import format_scopes, narrow
from server.sign_in_throttle import Verdict, utc_now
from storage.models import AccessToken, AuthorizationCode, OAuthApplication

if TYPE_CHECKING:
    from server.state import AppState

GRANT_TYPES: Final = ("authorization_code", "password", "client_credentials")
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.insideout
    return state


async def _oauth_params(request: Request) -> Params:
    try:
        return await read_params(request)
    except BadRequest as exc:
        raise OAuthError("invalid_request", detail=exc.public_message) from None


def _required(params: Params, name: str) -> str:
    value = params.get_str(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing required parameter: {name}.")
    return value


def _issued(token: AccessToken, raw: str) -> JSONResponse:
    body = {
        "access_token": raw,
        "token_type": "Bearer",
        "scope": format_scopes(token.scopes),
        "created_at": int(token.created_at.timestamp()),
    }
    return JSONResponse(body, headers=NO_STORE)


def pkce_matches(code: AuthorizationCode, verifier: str | None) -> bool:
    if code.code_challenge is None:
        return True
    if not verifier or not 43 <= len(verifier) <= 128:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return secrets.compare_digest(computed, code.code_challenge)


async def _authorization_code(request: Request, params: Params, application: OAuthApplication) -> Response:
    storage = _state(request).storage
    code = await storage.oauth.get_authorization_code(digest_token(_required(params, "code")))
    if code is None:
        raise OAuthError("invalid_grant", detail="unknown code")
    if code.used_at is not None:
        revoked = await storage.oauth.revoke_tokens_from_code(code.id)
        raise OAuthError("invalid_grant", detail=f"code reused; revoked {revoked} token(s)")
    if code.application_id != application.id:
        raise OAuthError("invalid_grant", detail="code of another client")
    if code.expires_at <= utc_now():
        raise OAuthError("invalid_grant", detail="code expired")
    if params.get_str("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", detail="redirect_uri differs from the authorization request")
    if not pkce_matches(code, params.get_str("code_verifier")):
        raise OAuthError("invalid_grant", detail="PKCE verifier does not match")
    user = await storage.accounts.get_user(code.account_id)
    if user is None or user.disabled:
        raise OAuthError("invalid_grant", detail="user disabled since the authorization")
    raw = new_token()
    token = await storage.oauth.redeem_authorization_code(code.id, digest_token(raw))
    if token is None:
        raise OAuthError("invalid_grant", detail="code redeemed concurrently")
    return _issued(token, raw)


async def _password(request: Request, params: Params, application: OAuthApplication) -> Response:
    state = _state(request)
    login, password = _required(params, "username"), _required(params, "password")
    scopes = narrow(params.get_str("scope"), application.scopes)
    result = await throttled_sign_in(state, _client_ip(request), login, password)
    if isinstance(result, Verdict):
        now = utc_now()
        return rate_limited_response(result.limit, result.reset_at(now), now=now)
    if result.outcome is not Outcome.OK or result.account is None:
        raise OAuthError("invalid_grant", detail=f"password grant: {result.outcome.value}")
    raw = new_token()
    token = await state.storage.tokens.create_access_token(
        digest_token(raw), result.account.id, application.id, sorted(scopes)
    )
    return _issued(token, raw)


async def _client_credentials(request: Request, params: Params, application: OAuthApplication) -> Response:
    scopes = narrow(params.get_str("scope"), application.scopes)
    raw = new_token()
    token = await _state(request).storage.tokens.create_access_token(
        digest_token(raw), None, application.id, sorted(scopes)
    )
    return _issued(token, raw)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


class TokenEndpoints:
    async def token(self, request: Request) -> Response:
        params = await _oauth_params(request)
        try:
            grant_type = _required(params, "grant_type")
            if grant_type not in GRANT_TYPES:
                raise OAuthError("unsupported_grant_type", detail=grant_type[:64])
            application = await authenticate_client(request, params)
            if grant_type == "authorization_code":
                return await _authorization_code(request, params, application)
            if grant_type == "password":
                return await _password(request, params, application)
            return await _client_credentials(request, params, application)
        finally:
            await params.aclose()

    async def revoke(self, request: Request) -> Response:
        """RFC 7009: 200 ``{}`` for unknown or already revoked tokens; refuse another client's token."""
        params = await _oauth_params(request)
        try:
            application = await authenticate_client(request, params)
            raw = _required(params, "token")
        finally:
            await params.aclose()
        tokens = _state(request).storage.tokens
        token = await tokens.get_access_token(digest_token(raw))
        if token is not None and token.application_id != application.id:
            refused = OAuthError("unauthorized_client", "You are not authorized to revoke this token")
            refused.status_code = 403  # as Doorkeeper answers
            raise refused
        if token is not None:
            await tokens.revoke_access_token(digest_token(raw))
        return JSONResponse({}, headers=NO_STORE)
