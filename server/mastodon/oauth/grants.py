"""``POST /oauth/token`` and ``POST /oauth/revoke`` (RFC 6749, RFC 7636, RFC 7009).

Grants: ``authorization_code`` (with PKCE S256 when the authorization asked
for it), ``password`` (username is the email, as in Mastodon; a plain
username works too) and ``client_credentials`` (an app-only token, which
counts as anonymous everywhere internal). Errors are Doorkeeper's
``{"error", "error_description"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from activitypub.errors import BadRequest
from server.edge.errors import OAuthError, rate_limited_response
from server.edge.params import Params, read_params
from server.mastodon.oauth.clients import authenticate_client
from server.mastodon.scopes import format_scopes, narrow
from server.services.oauth import GrantRefused, IssuedToken
from server.signin.password import Outcome, throttled_sign_in
from server.signin.throttle import Verdict, utc_now
from storage.models import OAuthApplication

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


def _issued(issued: IssuedToken) -> JSONResponse:
    token = issued.token
    body = {
        "access_token": issued.raw,
        "token_type": "Bearer",
        "scope": format_scopes(token.scopes),
        "created_at": int(token.created_at.timestamp()),
    }
    return JSONResponse(body, headers=NO_STORE)


PASSWORD_OFF_GRANT = ("This server signs people in with {name}: sign in through the browser"
                      " (the authorization code flow) instead of with a password.")


async def _authorization_code(request: Request, params: Params, application: OAuthApplication) -> Response:
    redeemed = await _state(request).services.oauth.redeem_code(
        application, _required(params, "code"), params.get_str("redirect_uri"), params.get_str("code_verifier"))
    if isinstance(redeemed, GrantRefused):
        raise OAuthError("invalid_grant", detail=redeemed.detail)
    return _issued(redeemed)


async def _password(request: Request, params: Params, application: OAuthApplication) -> Response:
    state = _state(request)
    login, password = _required(params, "username"), _required(params, "password")
    scopes = narrow(params.get_str("scope"), application.scopes)
    result = await throttled_sign_in(state, _client_ip(request), login, password)
    if isinstance(result, Verdict):
        now = utc_now()
        return rate_limited_response(result.limit, result.reset_at(now), now=now)
    if result.outcome is not Outcome.OK or result.account is None:
        if not state.services.sign_ins.password_login and result.outcome is not Outcome.DISABLED:
            # The same answer for a wrong password and a right one, so no break-glass account is revealed.
            raise OAuthError("invalid_grant", PASSWORD_OFF_GRANT.format(name=state.settings.sso.display_name),
                             detail=f"password grant: {result.outcome.value}")
        raise OAuthError("invalid_grant", detail=f"password grant: {result.outcome.value}")
    return _issued(await state.services.oauth.issue_token(result.account.id, application.id, scopes))


async def _client_credentials(request: Request, params: Params, application: OAuthApplication) -> Response:
    scopes = narrow(params.get_str("scope"), application.scopes)
    return _issued(await _state(request).services.oauth.issue_token(None, application.id, scopes))


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
        if not await _state(request).services.oauth.revoke(application, raw):
            refused = OAuthError("unauthorized_client", "You are not authorized to revoke this token")
            refused.status_code = 403  # as Doorkeeper answers
            raise refused
        return JSONResponse({}, headers=NO_STORE)
