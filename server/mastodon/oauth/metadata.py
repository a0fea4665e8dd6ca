"""``GET /.well-known/oauth-authorization-server`` (RFC 8414), as Mastodon 4.3 serves it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from server.mastodon.oauth.grants import GRANT_TYPES
from server.mastodon.scopes import ALL_SCOPES, format_scopes


def authorization_server_metadata(base_url: str) -> dict[str, Any]:
    return {
        "issuer": f"{base_url}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base_url}/oauth/authorize",
        "token_endpoint": f"{base_url}/oauth/token",
        "app_registration_endpoint": f"{base_url}/api/v1/apps",
        "revocation_endpoint": f"{base_url}/oauth/revoke",
        "scopes_supported": format_scopes(ALL_SCOPES).split(),
        "response_types_supported": ["code"],
        # Only the query mode is implemented; Mastodon also lists fragment and form_post.
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }


async def metadata(request: Request) -> JSONResponse:
    base_url: str = request.app.state.insideout.settings.base_url
    return JSONResponse(authorization_server_metadata(base_url), headers={"Cache-Control": "public, max-age=900"})
