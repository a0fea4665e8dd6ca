"""Finding the local actor a public URL names, or answering as if there were none.

Every outside route resolves usernames here, so "hidden" and "never
existed" cannot drift apart: both raise the same ``NotFound`` with no
detail, after the same single query.
"""

from __future__ import annotations

from activitypub.errors import NotFound
from federation.actor_documents import is_exposed
from server.services.validation import USERNAME
from storage.models import Account
from storage.protocols import Storage


async def exposed_actor(storage: Storage, username: str) -> Account:
    """The exposed local actor called ``username`` (any case).

    A deleted account will answer ``Gone`` from here, once deletion exists;
    every caller already passes the error through unchanged.
    """
    if not USERNAME.match(username):
        raise NotFound()
    account = await storage.accounts.get_local(username)
    if account is None or not is_exposed(account):
        raise NotFound()
    return account
