"""Remote actors: fetch, check, store, and find the actor behind a key id.

Every fetch is a GET signed as the instance actor (authorized-fetch peers
refuse unsigned ones) through the shared ``OutboundClient``, so the SSRF
guard and the domain policy apply to each hop.

A document is only believed about its own origin (the lesson of
CVE-2024-23832): its ``id`` must be the URL it was finally served from. If
it is not, we fetch once more from the ``id`` (same origin as what we asked
for) and that second document must be served from exactly its ``id``.

Nothing on our own origin is remote: such a URI (``/users/alice``, its
``#main-key``, one of our objects) is refused before any lookup, fetch or
store, whatever path it came by.

One ``asyncio.Lock`` per URL keeps concurrent deliveries from one new actor
down to one fetch; correctness never depends on it, since the store upserts
by URI.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urldefrag

import httpx

from activitypub import normalize as n
from activitypub.errors import Gone, MalformedActivity, OwnOrigin, PermanentFailure
from activitypub.parse import parse_actor, same_origin
from activitypub.signatures.message import url_authority
from activitypub.vocab import ACTOR_TYPES, RemoteActor
from federation.http import FetchedJson, OutboundClient
from federation.instance_actor import load_or_create_instance_actor
from federation.signing import HttpSignatureAuth
from storage.clock import utcnow
from storage.models import Account, RemoteProfile
from storage.protocols import Storage

log = logging.getLogger(__name__)

ACTOR_TTL = timedelta(hours=24)
# Key lookups happen on every signed request; a short in-process cache saves
# a database read each. Never trusted for correctness: a failing signature
# refreshes from the origin, deletes and stores replace the entry, and
# other processes see changes within this many seconds.
KEY_CACHE_SECONDS = 60.0
KEY_CACHE_SIZE = 10_000
MAX_DISPLAY_NAME = 200

SignerSource = Callable[[], Awaitable[httpx.Auth | None]]
Clock = Callable[[], datetime]


class UnusableActor(PermanentFailure):
    """A fetched actor or key document that fails our checks (id, owner, origin)."""

    default_message = "The remote actor could not be used"


@dataclass(frozen=True)
class ProfileSanitizer:
    """How remote profile text is made safe; passed in so federation needs no server code."""

    name: Callable[[str], str]
    note: Callable[[str], str]


def instance_actor_signer(storage: Storage, base_url: str | None = None) -> SignerSource:
    """Signs fetches as the instance actor; the key is loaded on the first fetch, not at start."""
    cached: list[httpx.Auth] = []

    async def signer() -> httpx.Auth:
        if not cached:
            actor = await load_or_create_instance_actor(storage, base_url)
            cached.append(HttpSignatureAuth(actor.key_id, actor.private_key))
        return cached[0]

    return signer


def profile_from_actor(actor: RemoteActor, sanitize: ProfileSanitizer) -> RemoteProfile:
    return RemoteProfile(
        uri=actor.id,
        username=actor.preferred_username,
        domain=url_authority(actor.id),
        actor_type=actor.type,
        inbox_url=actor.inbox,
        display_name=sanitize.name(actor.name or "")[:MAX_DISPLAY_NAME],
        note=sanitize.note(actor.summary or ""),
        url=actor.url,
        shared_inbox_url=actor.shared_inbox,
        key_id=actor.public_key_id if actor.public_key_pem else None,
        public_key_pem=actor.public_key_pem or "",
        locked=actor.manually_approves_followers,
        avatar_url=_web_url(actor.icon_url),
        header_url=_web_url(actor.image_url),
    )


def _web_url(url: str | None) -> str | None:
    """Only http(s) images are kept; the media proxy fetches them, clients never do."""
    return url if url and url.startswith(("https://", "http://")) and len(url) <= 2048 else None


def check_actor_key(actor: RemoteActor) -> None:
    """The key must belong to the actor and live on its origin, or a peer could sign as another."""
    if actor.public_key_owner is not None and actor.public_key_owner != actor.id:
        raise UnusableActor(detail=f"key owner {actor.public_key_owner} is not {actor.id}")
    if actor.public_key_id is not None and not same_origin(actor.public_key_id, actor.id):
        raise UnusableActor(detail=f"key {actor.public_key_id} is not on the origin of {actor.id}")


class RemoteActors:
    def __init__(
        self,
        storage: Storage,
        http: OutboundClient,
        signer: SignerSource | None,
        *,
        sanitize: ProfileSanitizer,
        ttl: timedelta = ACTOR_TTL,
        clock: Clock = utcnow,
    ) -> None:
        self._storage = storage
        self._http = http
        self._signer = signer
        self._sanitize = sanitize
        self._ttl = ttl
        self._clock = clock
        self._keys: OrderedDict[str, tuple[float, Account]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}
        self.fetches = 0  # for logs and benchmarks: documents actually requested

    async def resolve(self, uri: str, *, refresh: bool = False) -> Account:
        """The stored actor, fetched when unknown, older than the TTL, or ``refresh`` is set.

        Raises ``Gone`` for an actor that deleted itself (unless a refresh
        finds it again), ``RetryLater`` or ``PermanentFailure`` otherwise.
        """
        uri = self._remote(urldefrag(uri).url)
        started = self._clock()
        stored = await self._storage.accounts.get_by_uri(uri)
        if stored is not None and not refresh and self._usable(stored):
            return stored
        async with self._locked(uri):
            stored = await self._storage.accounts.get_by_uri(uri)
            # Someone else may have fetched while we waited: within the TTL, or since a refresh was asked.
            if stored is not None and self._fetched_since(stored, started if refresh else started - self._ttl):
                if stored.deleted_at is not None:
                    raise Gone("The remote actor is gone", detail=uri)
                return stored
            return await self._fetch_and_store(uri, stored)

    async def key_for(self, key_id: str, *, refresh: bool = False) -> Account:
        """The actor that owns ``key_id``, fetching the key (or its actor) when unknown or on ``refresh``."""
        self._remote(key_id)
        cached = None if refresh else self._cached_key(key_id)
        if cached is not None:
            return cached
        started = self._clock()
        stored = await self._storage.accounts.get_by_key_id(key_id)
        if stored is not None and not refresh:
            return self._remember(key_id, self._live(stored))
        url = urldefrag(key_id).url
        async with self._locked(url):
            stored = await self._storage.accounts.get_by_key_id(key_id)
            if stored is not None and (not refresh or self._fetched_since(stored, started)):
                return self._remember(key_id, self._live(stored))
            account = await self._fetch_key_owner(url, key_id)
        if account.key_id != key_id:
            raise UnusableActor(detail=f"{account.uri} does not publish key {key_id}")
        return self._remember(key_id, account)

    def forget(self, account: Account) -> None:
        """Drop the cached key of ``account`` (after it was deleted or changed elsewhere)."""
        if account.key_id is not None:
            self._keys.pop(account.key_id, None)

    async def fetch_actor(self, uri: str) -> RemoteActor:
        """A checked actor document, not stored (e.g. to read a Move target's ``alsoKnownAs``)."""
        document = await self._authoritative(self._remote(urldefrag(uri).url))
        return self._parse(document)

    async def store(self, actor: RemoteActor) -> Account:
        self._remote(actor.id)
        check_actor_key(actor)
        account = await self._storage.accounts.upsert_remote(profile_from_actor(actor, self._sanitize))
        self.forget(account)
        return account

    # -- internals ---------------------------------------------------------

    def _remote(self, uri: str) -> str:
        if self._http.is_own(uri):
            raise OwnOrigin(detail=f"{uri} is on our own origin")
        return uri

    def _cached_key(self, key_id: str) -> Account | None:
        entry = self._keys.get(key_id)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > KEY_CACHE_SECONDS:
            del self._keys[key_id]
            return None
        self._keys.move_to_end(key_id)
        return entry[1]

    def _remember(self, key_id: str, account: Account) -> Account:
        self._keys[key_id] = (time.monotonic(), account)
        self._keys.move_to_end(key_id)
        while len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)
        return account

    def _usable(self, account: Account) -> bool:
        if account.deleted_at is not None:
            raise Gone("The remote actor is gone", detail=account.uri)
        return account.fetched_at is not None and self._clock() - account.fetched_at < self._ttl

    def _live(self, account: Account) -> Account:
        if account.deleted_at is not None:
            raise Gone("The remote actor is gone", detail=account.uri)
        return account

    @staticmethod
    def _fetched_since(account: Account, moment: datetime) -> bool:
        return account.fetched_at is not None and account.fetched_at >= moment

    async def _fetch_and_store(self, uri: str, stored: Account | None) -> Account:
        try:
            document = await self._authoritative(uri)
        except Gone:
            if stored is not None:
                await self._storage.accounts.delete_remote(stored.id)
                self.forget(stored)
            raise
        return await self.store(self._parse(document))

    async def _fetch_key_owner(self, url: str, key_id: str) -> Account:
        document = await self._authoritative(url)
        if document.get("type") in ACTOR_TYPES:
            return await self.store(self._parse(document))
        # A key document (GoToSocial's /main-key, Fedify): believe it only
        # about its own origin, then ask the owner itself.
        owner = n.ref_id(document.get("owner"))
        if not n.is_http_uri(owner) or not same_origin(owner, key_id) or urldefrag(owner).url == url:
            raise UnusableActor(detail=f"key document {url} has no usable owner")
        return await self.resolve(owner, refresh=True)

    def _parse(self, document: Mapping[str, Any]) -> RemoteActor:
        try:
            return parse_actor(document)
        except MalformedActivity as exc:
            raise UnusableActor(detail=exc.reason) from None

    async def fetch_object(self, url: str) -> dict[str, Any]:
        """Any remote document (a Note to be boosted, say), served at its own id, signed as the instance actor."""
        async with self._locked(self._remote(url)):
            return await self._authoritative(url)

    async def _authoritative(self, url: str) -> dict[str, Any]:
        """Fetch ``url``; if the document claims another id, fetch that id once and require it served there."""
        fetched = await self._get(url)
        claimed = fetched.document.get("id")
        if claimed == fetched.url:
            return fetched.document
        if not n.is_http_uri(claimed) or not same_origin(claimed, url):
            raise UnusableActor(detail=f"{fetched.url} serves a document with id {claimed!r}")
        again = await self._get(claimed)
        if again.document.get("id") != claimed or again.url != claimed:
            raise UnusableActor(detail=f"{claimed} is not served at its own id (got {again.url})")
        return again.document

    async def _get(self, url: str) -> FetchedJson:
        auth = await self._signer() if self._signer is not None else None
        self.fetches += 1
        log.debug("fetching remote document", extra={"url": url})
        return await self._http.get_json(url, auth=auth)

    @asynccontextmanager
    async def _locked(self, url: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(url, asyncio.Lock())
        self._waiters[url] = self._waiters.get(url, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiters[url] -= 1
            if self._waiters[url] == 0:
                del self._waiters[url], self._locks[url]
