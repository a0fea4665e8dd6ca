"""App registration (``POST /api/v1/apps``), ``verify_credentials``, and client authentication."""

from __future__ import annotations

import base64
import binascii
from typing import Final
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from activitypub.errors import InvalidInput
from server.edge.errors import OAuthError
from server.edge.params import Params, read_params
from server.mastodon.auth import AppOnly, require_app_or_user
from server.mastodon.oauth.redirects import check_redirect_uri, split_redirect_uris
from server.mastodon.scopes import InvalidScope, parse_scopes
from server.present.entities import application_entity
from server.services.access_tokens import digest_token, new_token
from server.services.oauth import OAuthService
from server.state import app_state
from storage.models import NewApplication, OAuthApplication

MAX_NAME: Final = 60
MAX_WEBSITE: Final = 2000
MAX_REDIRECT_URIS: Final = 20


def _oauth(request: Request) -> OAuthService:
    return app_state(request).services.oauth


def _redirect_uris(params: Params) -> tuple[str, ...]:
    raw = params.get("redirect_uris")
    if isinstance(raw, list):
        values = [item for item in raw if isinstance(item, str)]
        if len(values) != len(raw):
            raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.")
        uris = split_redirect_uris(values)
    else:
        uris = split_redirect_uris(params.get_str("redirect_uris") or "")
    if not uris:
        raise InvalidInput("Validation failed: Redirect URI can't be blank")
    if len(uris) > MAX_REDIRECT_URIS:
        raise InvalidInput(f"Validation failed: Redirect URI allows at most {MAX_REDIRECT_URIS} URIs")
    return tuple(check_redirect_uri(uri) for uri in uris)


def _website(params: Params) -> str | None:
    website = (params.get_str("website") or "").strip()
    if not website:
        return None
    parts = urlsplit(website)
    if len(website) > MAX_WEBSITE or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("Validation failed: Website is invalid")
    return website


def _scopes(params: Params) -> tuple[str, ...]:
    raw = params.get_str("scopes")
    try:
        wanted = parse_scopes(raw)
    except InvalidScope:
        raise InvalidInput("Validation failed: Scopes doesn't match configured on the server.") from None
    ordered = [name for name in (raw or "").replace("+", " ").split() if name]
    return tuple(dict.fromkeys(ordered)) if ordered else tuple(sorted(wanted))


def new_application(params: Params, client_secret: str) -> NewApplication:
    name = (params.get_str("client_name") or "").strip()
    if not name:
        raise InvalidInput("Validation failed: Application name can't be blank")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Validation failed: Application name is too long (maximum is {MAX_NAME} characters)")
    return NewApplication(
        name=name,
        website=_website(params),
        redirect_uris=_redirect_uris(params),
        scopes=_scopes(params),
        client_id=new_token(),
        client_secret_digest=digest_token(client_secret),
    )


async def create_app(request: Request) -> JSONResponse:
    params = await read_params(request)
    try:
        client_secret = new_token()
        application = await _oauth(request).register(new_application(params, client_secret))
    finally:
        await params.aclose()
    vapid = await app_state(request).services.vapid.keypair()
    entity = application_entity(application, vapid_key=vapid.public_b64(), client_secret=client_secret)
    return JSONResponse(entity, headers={"Cache-Control": "no-store"})  # the secret is shown this once


async def verify_app_credentials(request: Request) -> JSONResponse:
    principal = await require_app_or_user(request)
    application_id = principal.application_id if isinstance(principal, AppOnly) else principal.token.application_id
    application = await _oauth(request).application(application_id) if application_id else None
    if application is None:
        raise OAuthError("invalid_client")  # a token made outside OAuth (CLI) has no app to describe
    vapid = await app_state(request).services.vapid.keypair()
    return JSONResponse(application_entity(application, vapid_key=vapid.public_b64()))


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", detail="malformed Basic credentials") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError("invalid_client", detail="Basic credentials without a colon")
    # RFC 6749 section 2.3.1: both halves are form-urlencoded before Base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


async def authenticate_client(request: Request, params: Params) -> OAuthApplication:
    """The app named by HTTP Basic (client_secret_basic) or by the body (client_secret_post)."""
    credentials = _basic_credentials(request)
    if credentials is None:
        credentials = (params.get_str("client_id") or "", params.get_str("client_secret") or "")
    client_id, secret = credentials
    application = await _oauth(request).client(client_id, secret)
    if application is None:
        raise OAuthError("invalid_client", detail=f"client_id {client_id[:64]!r}")
    return application
