"""OAuth 2 for Mastodon clients: app registration, the code flow with its HTML pages, tokens.

``routes()`` builds fresh handlers for one app; the sign-in throttle they
share lives in those handlers, never in a module global.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from server.mastodon.oauth.authorize import AuthorizeEndpoints
from server.mastodon.oauth.clients import create_app, verify_app_credentials
from server.mastodon.oauth.grants import TokenEndpoints
from server.mastodon.oauth.metadata import metadata
from server.mastodon.oauth.throttle import SignInThrottle

__all__ = ["routes"]


def routes(throttle: SignInThrottle | None = None) -> list[BaseRoute]:
    throttle = throttle or SignInThrottle()
    authorize = AuthorizeEndpoints(throttle)
    tokens = TokenEndpoints(throttle)
    return [
        Route("/api/v1/apps", create_app, methods=["POST"]),
        Route("/api/v1/apps/verify_credentials", verify_app_credentials, methods=["GET"]),
        Route("/oauth/authorize", authorize.show, methods=["GET"]),
        Route("/oauth/authorize", authorize.decide, methods=["POST"]),
        Route("/oauth/sign_in", authorize.sign_in, methods=["POST"]),
        Route("/oauth/token", tokens.token, methods=["POST"]),
        Route("/oauth/revoke", tokens.revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
    ]
