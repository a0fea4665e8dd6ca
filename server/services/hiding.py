"""Hiding an account from outside, without stranding what was published.

A published post names its author (``attributedTo``), its announcers (the
``Announce`` partners received) and its mentions. Hiding one of them would
leave partners holding a post whose actor now answers 404, and the
``Delete``/``Undo`` that retracts it would name a hidden actor. So hiding is
refused, for employees and departments alike, while any published post names
the account; the refusal lists those posts so an admin can unpublish them
first.
"""

from __future__ import annotations

from activitypub.errors import Conflict
from storage.models import Account
from storage.protocols import Storage

LISTED = 20


class NamedByPublishedPosts(Conflict):
    default_message = "Published posts name this account; unpublish them before hiding it"

    def __init__(self, status_ids: list[int], uris: list[str]) -> None:
        listing = ", ".join(uris or [str(i) for i in status_ids])
        more = " (and more)" if len(status_ids) >= LISTED else ""
        super().__init__(f"{self.default_message}: {listing}{more}", detail=f"status ids {status_ids}")
        self.status_ids = status_ids


async def refuse_hiding_if_published(storage: Storage, account: Account) -> None:
    """Raise ``NamedByPublishedPosts`` (409) while a published post names ``account``."""
    status_ids = list(await storage.publication.published_naming(account.id, limit=LISTED))
    if not status_ids:
        return
    found = await storage.statuses.get_many(status_ids)
    raise NamedByPublishedPosts(status_ids, [found[i].uri or str(i) for i in status_ids if i in found])
