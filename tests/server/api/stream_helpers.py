"""Shared by the streaming and push tests: tokens for existing accounts, and posting."""

from __future__ import annotations

from starlette.applications import Starlette

from server.mastodon.auth import digest_token, new_token


async def token_for(app: Starlette, account_id: int | None, scopes: str) -> str:
    """Another token for an account (None: an app-only token, which names no user)."""
    token = new_token()
    await app.state.insideout.storage.tokens.create_access_token(digest_token(token), account_id, None, scopes.split())
    return token


async def account_id(app: Starlette, username: str) -> int:
    account = await app.state.insideout.storage.accounts.get_local(username)
    assert account is not None
    return int(account.id)
