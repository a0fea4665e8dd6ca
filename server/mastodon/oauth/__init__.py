"""OAuth 2 for Mastodon clients: app registration, the code flow with its HTML pages, tokens.

The sign-in throttle is the app's (``AppState.sign_in_throttle``), never a
module global; its buckets live in storage, shared with every other process.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from server.mastodon.oauth.authorize import AuthorizeEndpoints
from server.mastodon.oauth.clients import create_app, verify_app_credentials
from server.mastodon.oauth.grants import TokenEndpoints
from server.mastodon.oauth.metadata import metadata

__all__ = ["routes"]


def routes() -> list[BaseRoute]:
    authorize = AuthorizeEndpoints()
    tokens = TokenEndpoints()
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
