"""Finding outside accounts and posts that are not stored yet: ``resolve=true`` in search, and lookups.

A handle goes through WebFinger to the actor; a URL is fetched (signed as
the instance actor, id checked against where it was served) and kept as a
remote account or a public remote post. Every request goes through the one
outbound client, so the SSRF guard and the federation policy apply.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from activitypub.content import normalize_hashtag, sanitize_remote_html
from activitypub.errors import InsideoutError
from activitypub.parse import is_own_uri, parse_object, same_origin
from activitypub.vocab import ACTOR_TYPES
from federation.actors import RemoteActors
from federation.http import OutboundClient
from storage.models import Account, NewStatus, Status, Visibility
from storage.protocols import Storage

log = logging.getLogger(__name__)
JRD = "application/jrd+json, application/json"
SELF_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')


class FederationResolver:
    """Implements both ``HandleResolver`` and search's ``UrlResolver``."""

    def __init__(self, storage: Storage, http: OutboundClient, actors: RemoteActors, base_url: str) -> None:
        self._storage = storage
        self._http = http
        self._actors = actors
        self._base = base_url.rstrip("/")

    async def resolve_handle(self, username: str, domain: str) -> Account | None:
        known = await self._storage.accounts.find_remote(username, domain)
        if known is not None and known.deleted_at is None:
            return known
        try:
            jrd = await self._http.get_json(
                f"https://{domain}/.well-known/webfinger?resource={quote(f'acct:{username}@{domain}')}", accept=JRD
            )
            actor_url = _self_link(jrd.document)
            return await self._actors.resolve(actor_url) if actor_url else None
        except InsideoutError as exc:
            log.info("handle not resolved", extra={"handle": f"{username}@{domain}", "error": exc.public_message})
            return None

    async def resolve(self, url: str, viewer: Account) -> Account | Status | None:
        if is_own_uri(url, self._base):
            return None  # our own objects are found by search itself, with the viewer's visibility
        try:
            document = await self._actors.fetch_object(url)
            if document.get("type") in ACTOR_TYPES:
                return await self._actors.resolve(str(document["id"]))
            return await self._store_note(document)
        except InsideoutError as exc:
            log.info("url not resolved", extra={"url": url, "error": exc.public_message})
            return None

    async def _store_note(self, document: dict[str, object]) -> Status | None:
        note = parse_object(document)
        known = await self._storage.statuses.get_by_uri(note.id)
        if known is not None:
            return known
        if not note.is_public or not same_origin(note.id, note.attributed_to):
            return None  # only public outside posts are kept from a search
        author = await self._actors.resolve(note.attributed_to)
        parent = await self._storage.statuses.get_by_uri(note.in_reply_to) if note.in_reply_to else None
        return await self._storage.statuses.create(NewStatus(
            account_id=author.id, visibility=Visibility.PUBLIC, local=False, uri=note.id, url=note.url,
            content=sanitize_remote_html(note.content_html), spoiler_text=note.summary or "", sensitive=note.sensitive,
            language=note.language, in_reply_to_id=parent.id if parent and not parent.local else None,
            in_reply_to_account_id=parent.account_id if parent and not parent.local else None,
            in_reply_to_uri=note.in_reply_to if parent is None or parent.local else None,
            tags=tuple((name, tag.name) for tag in note.hashtags if (name := normalize_hashtag(tag.name))),
            created_at=note.published,
        ))


class HandleLookup:
    """Adapts ``FederationResolver`` to the ``HandleResolver`` protocol."""

    def __init__(self, resolver: FederationResolver) -> None:
        self._resolver = resolver

    async def resolve(self, username: str, domain: str) -> Account | None:
        return await self._resolver.resolve_handle(username, domain)


def _self_link(jrd: dict[str, object]) -> str | None:
    links = jrd.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and link.get("type") in SELF_TYPES:
            href = link.get("href")
            if isinstance(href, str) and href.startswith(("https://", "http://")):
                return href
    return None
