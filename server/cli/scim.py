"""``insideout scim token create NAME | list | revoke NAME``: the identity provider's SCIM tokens."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from server.cli.common import Access, add_command, opened_storage, print_table
from server.config import Settings
from server.services.scim_tokens import ScimTokens


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("scim", help="SCIM provisioning by the organisation's identity provider",
                                   description="SCIM provisioning by the organisation's identity provider.")
    commands = parser.add_subparsers(dest="scim_command", metavar="ACTION", required=True)
    token = commands.add_parser("token", help="the bearer tokens the provider uses at /scim/v2",
                                description="The bearer tokens the identity provider uses at /scim/v2.")
    actions = token.add_subparsers(dest="scim_token_command", metavar="ACTION", required=True)
    create = add_command(actions, "create", create_token,
                         "make a token and print it once (only its digest is kept)")
    create.add_argument("name", help="who uses it, e.g. entra or okta; never reused")
    add_command(actions, "list", list_tokens, "list the tokens: name, created, last used, revoked", access=Access.READS)
    revoke = add_command(actions, "revoke", revoke_token, "revoke a token at once")
    revoke.add_argument("name")


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


async def create_token(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        created = await ScimTokens(storage).create(args.name, by=cli_actor())
    print(f"SCIM token {created.token.name!r} (shown once; give it to the identity provider):")
    print(created.secret)
    print(f"SCIM base URL: {settings.base_url.rstrip('/')}/scim/v2")
    return 0


async def list_tokens(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        tokens = await ScimTokens(storage).list()
    rows = [(t.name, t.created_at.isoformat(timespec="seconds"),
             t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never",
             t.revoked_at.isoformat(timespec="seconds") if t.revoked_at else "") for t in tokens]
    print_table(rows, ("NAME", "CREATED", "LAST USED", "REVOKED"))
    return 0


async def revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        await ScimTokens(storage).revoke(args.name, by=cli_actor())
    print(f"Revoked SCIM token {args.name!r}")
    return 0
