"""Which statuses may have a preview card, and queuing its fetch for the card worker.

Fetching a link tells its server that the link was posted somewhere, so a
card is made only where that is already public (docs/design.md, "What crosses
the boundary"): a local post once it is *published*, or a public or
unlisted post of another server. The inbox queues cards for remote posts
and the publication service for ours, so the rule lives below both; the
worker (``server.services.cards``) checks it again before it fetches.
"""

from __future__ import annotations

from datetime import datetime

from activitypub.content.link_preview import first_link
from storage.clock import utcnow
from storage.models import PublicationState, Status, Visibility
from storage.protocols import Storage


def card_allowed(status: Status) -> bool:
    """Whether fetching a preview for this status could reveal nothing that is not already outside."""
    if status.deleted_at is not None or status.reblog_of_id is not None:
        return False
    if status.local:
        return status.publication_state is PublicationState.PUBLISHED
    return status.visibility in (Visibility.PUBLIC, Visibility.UNLISTED)


async def queue_card(
    storage: Storage, status: Status, own_host: str, *, has_media: bool = False, now: datetime | None = None
) -> bool:
    """Queue a card fetch for the status's first link, if it may have one; True if queued."""
    if has_media or not card_allowed(status):
        return False  # like Mastodon, a post with media shows no card
    url = first_link(status.content, own_host)
    if url is None:
        return False
    await storage.cards.enqueue(status.id, url, now or utcnow())
    return True
