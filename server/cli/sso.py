"""``insideout sso check``: whether the configured identity provider answers, and what it offers."""

from __future__ import annotations

import argparse
from typing import Any

from activitypub.errors import InsideoutError
from server.cli.common import Access, CommandFailed, add_command
from server.config import Settings
from server.http_client import outbound_client
from server.signin.identity_provider import IdentityProvider, callback_url


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sso", help="single sign-on with the organisation's OpenID provider",
                                   description="Single sign-on with the organisation's OpenID provider.")
    commands = parser.add_subparsers(dest="sso_command", metavar="ACTION", required=True)
    add_command(commands, "check", check_provider,
                "fetch the provider's discovery and keys and print what it offers, or what is wrong",
                access=Access.NONE)


async def check_provider(args: argparse.Namespace, settings: Settings) -> int:
    sso = settings.sso
    if not sso.enabled:
        raise CommandFailed("single sign-on is off: set [sso] issuer, client_id and client_secret", 1)
    async with outbound_client(settings) as http:
        provider = IdentityProvider(sso, http, callback_url(settings.base_url))
        try:
            metadata = await provider.metadata()
            keys = await provider.key_set()
        except InsideoutError as exc:
            reason = f"{exc.public_message} ({exc.detail})" if exc.detail else exc.public_message
            raise CommandFailed(f"{sso.issuer}: {reason}", 1) from None
    if not keys:
        raise CommandFailed(f"{sso.issuer}: the JWKS at {metadata.jwks_uri} holds no signing key", 1)
    print(f"issuer:          {metadata.issuer}")
    print(f"authorization:   {metadata.authorization_endpoint}")
    print(f"token:           {metadata.token_endpoint}")
    print(f"userinfo:        {metadata.userinfo_endpoint or '(none)'}")
    print(f"keys:            {len(keys)} ({', '.join(str(key.get('kid', '?')) for key in keys)})")
    print(f"ID token signed: {', '.join(metadata.signing_algorithms)}")
    print(f"client secret:   {'HTTP Basic' if metadata.client_secret_basic else 'in the form'}")
    print(f"redirect URI:    {callback_url(settings.base_url)}  (register it at the provider)")
    print(f"password login:  {'on' if sso.password_login else 'off (break-glass accounts only)'}")
    return 0
