"""Records and store protocols of what we proxy from other servers: remote files and preview cards.

A remote file is fetched, re-encoded and cached lazily (on the first client
request) or ahead of time by a worker; either way it is a stored row::

    pending ──► cached    fetched and re-encoded (``original_name`` set)
       │ ▲        │
       └─┘ retry  │       a temporary failure: due again at ``next_attempt_at``
       │          └──► pending    removed from the cache after ``[media] remote_cache_days``
       │                          without a fetch (``claim_stale``, then ``uncache``); ``fetched_at``
       │                          stays set, so only a client's request fetches it again, never
       │                          the prefetch worker
       └──► failed        given up: not an image, or too many attempts

A card fetch is a row per status with the same shape (pending, done,
failed); it exists only for published local posts and remote posts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from storage.media import MediaAttachment


class RemoteFileState(StrEnum):
    PENDING = "pending"
    CACHED = "cached"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RemoteFile:
    token: str
    kind: str  # 'attachment' or 'image' (avatars, headers, card images: shared by URL)
    url: str
    host: str
    state: RemoteFileState
    attempts: int
    next_attempt_at: datetime
    locked_until: datetime | None
    last_error: str | None
    original_name: str | None
    small_name: str | None
    width: int | None
    height: int | None
    small_width: int | None
    small_height: int | None
    blurhash: str | None
    fetched_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CachedFile:
    """What re-encoding produced, recorded by ``mark_cached``."""

    original_name: str
    small_name: str
    width: int
    height: int
    small_width: int
    small_height: int
    blurhash: str


@dataclass(frozen=True, slots=True)
class NewRemoteAttachment:
    """A remote post's attachment, stored with the post; its file is fetched later."""

    token: str
    type: str
    url: str
    host: str
    mime_type: str | None
    description: str | None
    focus: tuple[float, float]
    blurhash: str | None
    meta: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PreviewCard:
    id: int
    url: str
    title: str
    description: str
    type: str
    author_name: str
    author_url: str
    provider_name: str
    provider_url: str
    html: str
    width: int
    height: int
    image_token: str | None
    embed_url: str
    blurhash: str | None
    language: str | None
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class NewPreviewCard:
    url: str
    title: str
    description: str = ""
    type: str = "link"
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    width: int = 0
    height: int = 0
    image_token: str | None = None
    blurhash: str | None = None
    language: str | None = None


class CardFetchState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CardFetch:
    status_id: int
    url: str
    state: CardFetchState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


class RemoteFileStore(Protocol):
    async def add_attachments(
        self, status_id: int, account_id: int, items: Sequence[NewRemoteAttachment]
    ) -> Sequence[MediaAttachment]:
        """Store a remote status's attachments (in order) and their pending files, in one transaction."""
        ...

    async def get(self, token: str) -> RemoteFile | None: ...

    async def image_tokens(self, urls: Sequence[str]) -> Mapping[str, str]:
        """Tokens of the shared images already known, by URL."""
        ...

    async def register_images(self, new: Mapping[str, tuple[str, str]]) -> Mapping[str, str]:
        """Add shared images (URL -> (fresh token, host)) unless known; returns every URL's token."""
        ...

    async def lease(self, token: str, now: datetime, lease_until: datetime) -> RemoteFile | None:
        """Take the pending file for fetching if it is due and nobody holds it; counts the attempt."""
        ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[RemoteFile]:
        """Take due pending files never cached yet, for the prefetch worker."""
        ...

    async def claim_stale(
        self, fetched_before: datetime, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[RemoteFile]:
        """Take cached files last fetched before ``fetched_before`` (oldest first), for removal from the
        cache, unless another process holds them; they stay cached (and served) until ``uncache``."""
        ...

    async def uncache(self, tokens: Sequence[str], lease_until: datetime) -> int:
        """Put claimed files back to pending, to be fetched again on demand, while the claim made with
        ``lease_until`` still holds; how many were put back."""
        ...

    async def mark_cached(self, token: str, lease_until: datetime, cached: CachedFile, now: datetime) -> bool:
        """Record the cached copy, if the pending file is still held under the lease that ended at
        ``lease_until`` (as ``lease``/``claim_due`` gave it); whether it was recorded. The same holds for
        ``mark_retry`` and ``mark_failed``: a process whose lease ran out records nothing, as another
        may have taken the file over (and cached it) meanwhile."""
        ...

    async def mark_retry(self, token: str, lease_until: datetime, retry_at: datetime, error: str) -> bool: ...

    async def mark_failed(self, token: str, lease_until: datetime, error: str) -> bool: ...


class CardStore(Protocol):
    async def enqueue(self, status_id: int, url: str, now: datetime) -> None:
        """Queue a fetch of ``url`` for the status; a pending or done fetch of the same URL is kept."""
        ...

    async def get_fetch(self, status_id: int) -> CardFetch | None: ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[CardFetch]: ...

    async def mark_done(self, status_id: int) -> None: ...

    async def mark_retry(self, status_id: int, retry_at: datetime, error: str) -> None: ...

    async def mark_failed(self, status_id: int, error: str) -> None: ...

    async def by_url(self, url: str) -> PreviewCard | None: ...

    async def save(self, card: NewPreviewCard, now: datetime) -> PreviewCard:
        """Insert the card, or refresh the one with the same URL."""
        ...

    async def link(self, status_id: int, card_id: int) -> None: ...

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, PreviewCard]: ...
