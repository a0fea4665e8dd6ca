"""Small lookups every handler needs: which of our actors a URI names."""

from __future__ import annotations

from activitypub.uris import Uris
from federation.actor_documents import is_exposed
from storage.models import Account
from storage.protocols import Storage


def local_username(uri: str, base_url: str) -> str | None:
    """``alice`` for ``{base_url}/users/alice``; None for anything else (sub-paths included)."""
    return Uris.of(base_url).parse_actor(uri)


async def local_actor(storage: Storage, base_url: str, uri: str | None) -> Account | None:
    """The local actor ``uri`` names, exposed or not: for undoing things, which is always safe."""
    username = local_username(uri, base_url) if uri else None
    return await storage.accounts.get_local(username) if username else None


async def exposed_local_actor(storage: Storage, base_url: str, uri: str | None) -> Account | None:
    """The exposed local actor ``uri`` names, or None.

    A hidden actor is treated exactly as a missing one: outsiders must not
    learn it exists from how we react to activities naming it.
    """
    account = await local_actor(storage, base_url, uri)
    return account if account is not None and is_exposed(account) else None
