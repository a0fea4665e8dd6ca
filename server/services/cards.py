"""Preview cards: fetched by a worker, never inline, for the statuses ``federation.card_queue`` queued.

Fetching a link tells its server that the link was posted somewhere, so a
card is made only where that is already public (docs/design.md, "What crosses
the boundary"): a local post once it is *published*, or a public or
unlisted post of another server. Internal posts are never queued, and the
worker checks again before it fetches, so a post retracted or deleted while
its row waited is not fetched either. Pages come through the one outbound
client (policy, SSRF guard, a size cap, HTML only); the card's image goes
through the media proxy like any remote file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from activitypub.content.link_preview import PageMeta, parse_page
from activitypub.errors import InsideoutError, RetryLater
from federation.card_queue import card_allowed
from federation.http import OutboundClient
from federation.media_tokens import new_token
from federation.outcomes import RemoteHTTPError
from server.services.remote_media import LEASE, RemoteMediaCache, retry_delay
from storage.clock import utcnow
from storage.protocols import Storage
from storage.remote_media import CardFetch, NewPreviewCard, PreviewCard, RemoteFileState

MAX_PAGE_BYTES: Final = 1_000_000
PAGE_ACCEPT: Final = "text/html, application/xhtml+xml;q=0.9"
PAGE_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
MAX_ATTEMPTS: Final = 5


class CardWorker:
    name = "preview-cards"
    idle_seconds = 10.0

    def __init__(
        self, storage: Storage, http: OutboundClient, media: RemoteMediaCache, *, batch: int = 8,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._storage = storage
        self._http = http
        self._media = media
        self._batch = batch
        self._clock = clock

    async def run_once(self) -> int:
        now = self._clock()
        fetches = await self._storage.cards.claim_due(now, now + LEASE, self._batch)
        for fetch in fetches:
            await self._process(fetch)
        return len(fetches)

    async def _process(self, fetch: CardFetch) -> None:
        status = await self._storage.statuses.get(fetch.status_id)
        if status is None or not card_allowed(status):
            await self._storage.cards.mark_failed(fetch.status_id, "the status may not have a card (any more)")
            return
        card = await self._storage.cards.by_url(fetch.url)
        if card is None:
            try:
                card = await self._fetch_card(fetch.url)
            except (RetryLater, RemoteHTTPError, OSError) as exc:
                await self._retry_or_give_up(fetch, f"{type(exc).__name__}: {exc}")
                return
            except InsideoutError as exc:  # blocked, not HTML, too large, gone
                await self._storage.cards.mark_failed(fetch.status_id, f"{type(exc).__name__}: {exc}")
                return
        if card is not None:
            await self._storage.cards.link(fetch.status_id, card.id)
        await self._storage.cards.mark_done(fetch.status_id)

    async def _retry_or_give_up(self, fetch: CardFetch, error: str) -> None:
        if fetch.attempts >= MAX_ATTEMPTS:
            await self._storage.cards.mark_failed(fetch.status_id, error)
        else:
            await self._storage.cards.mark_retry(fetch.status_id, self._clock() + retry_delay(fetch.attempts), error)

    async def _fetch_card(self, url: str) -> PreviewCard | None:
        page = await self._http.get_bytes(url, max_bytes=MAX_PAGE_BYTES, accept=PAGE_ACCEPT, media_types=PAGE_TYPES)
        meta = parse_page(page.body.decode("utf-8", errors="replace"), page.url)
        if not meta.title:
            return None  # Mastodon shows no card without a title
        new = NewPreviewCard(
            url=url, title=meta.title, description=meta.description, provider_name=meta.provider_name,
            provider_url=_origin(page.url), author_name=meta.author_name, language=meta.language,
            width=meta.width, height=meta.height,
        )
        return await self._storage.cards.save(await self._with_image(new, meta), self._clock())

    async def _with_image(self, card: NewPreviewCard, meta: PageMeta) -> NewPreviewCard:
        """Register the image with the proxy and fetch it now, for its size and blurhash; a failure leaves it lazy."""
        if meta.image_url is None:
            return card
        host = urlsplit(meta.image_url).hostname or ""
        tokens = await self._storage.remote_files.register_images({meta.image_url: (new_token(), host.lower())})
        token = tokens[meta.image_url]
        image = await self._media.prefetch(token)
        if image is None or image.state is not RemoteFileState.CACHED:
            return replace(card, image_token=token)
        return replace(card, image_token=token, blurhash=image.blurhash, width=image.width or 0,
                        height=image.height or 0)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
