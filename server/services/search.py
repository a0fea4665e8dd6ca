"""Search for staff: accounts, statuses the viewer may see, and hashtags.

A URL or ``user@domain`` query is first looked up among what we already
know (our own URLs, stored URIs, known accounts). Fetching an OUTSIDE
account or post (``resolve=true``) is federation's job: handles go through
``Services.handles`` (a ``HandleResolver``), URLs through the ``resolver``
(a ``UrlResolver``) given to ``SearchService``; without one, such a query
simply finds nothing new. Statuses come only through the one inside
visibility rule, so search never shows a post its viewer could not open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from activitypub.content import normalize_hashtag
from server.config import Settings
from server.services.handles import HandleResolver
from storage.models import Account, Page, Reader, Status, Tag
from storage.protocols import Storage

SEARCH_TYPES = ("accounts", "statuses", "hashtags")
_ACCT = re.compile(r"^@?(?P<username>[\w.-]+)(?:@(?P<domain>[\w.:-]+))?$", re.UNICODE)


class UrlResolver(Protocol):
    """The integration point for ``resolve=true`` with a URL: fetch and store an outside actor or post.

    ``url`` is not one of ours and not stored yet. Return the stored account
    or status, or None. Implementations must honour the federation policy
    and never reveal anything internal while fetching.
    """

    async def resolve(self, url: str, viewer: Account) -> Account | Status | None: ...


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str
    type: str | None = None
    resolve: bool = False
    following: bool = False
    account_id: int | None = None
    limit: int = 20
    offset: int = 0
    page: Page = field(default_factory=Page)


@dataclass(slots=True)
class SearchResults:
    accounts: list[Account] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    hashtags: list[Tag] = field(default_factory=list)


class SearchService:
    def __init__(
        self, storage: Storage, settings: Settings, handles: HandleResolver, resolver: UrlResolver | None = None
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._handles = handles
        self.resolver = resolver

    async def search(self, viewer: Account, query: SearchQuery, *, reader: Reader | None = None) -> SearchResults:
        """``reader``: whose eyes find statuses (the viewer's own by default)."""
        eyes = reader or Reader.own(viewer.id)
        q = query.q.strip()
        if q.startswith(("https://", "http://")):
            return await self._by_url(viewer, eyes, q, query)
        results = SearchResults()
        if query.type in (None, "accounts"):
            results.accounts = await self._accounts(viewer, q, query)
        if query.type in (None, "statuses"):
            results.statuses = await self._statuses(eyes, q, query)
        if query.type in (None, "hashtags"):
            results.hashtags = list(await self._hashtags(q, query))
        return results

    async def _by_url(self, viewer: Account, reader: Reader, url: str, query: SearchQuery) -> SearchResults:
        found: Account | Status | None = await self._local_url(url)
        if found is None:
            found = await self._storage.statuses.get_by_uri(url) or await self._storage.accounts.get_by_uri(url)
        if found is None and query.resolve and self.resolver is not None:
            found = await self.resolver.resolve(url, viewer)
        results = SearchResults()
        if isinstance(found, Status) and query.type in (None, "statuses"):
            visible = await self._storage.timelines.visible_ids(reader, [found.id])
            results.statuses = [found] if found.id in visible and found.reblog_of_id is None else []
        elif isinstance(found, Account) and query.type in (None, "accounts"):
            results.accounts = [found]
        return results

    async def _local_url(self, url: str) -> Account | Status | None:
        base = self._settings.base_url.rstrip("/")
        if not url.startswith(base + "/"):
            return None
        parts = url[len(base) + 1:].split("?", 1)[0].split("#", 1)[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "users" or len(parts) == 1 and parts[0].startswith("@"):
            return await self._storage.accounts.get_local(parts[-1].lstrip("@"))
        status_id = parts[-1] if len(parts) == 2 and parts[0].startswith("@") else (
            parts[3] if len(parts) == 4 and parts[0] == "users" and parts[2] == "statuses" else None)
        if status_id is None or not status_id.isdigit():
            return None
        status = await self._storage.statuses.get(int(status_id))
        return status if status is not None and status.deleted_at is None else None

    async def _accounts(self, viewer: Account, q: str, query: SearchQuery) -> list[Account]:
        match = _ACCT.match(q)
        if match is None:
            return []
        username, domain = match["username"], match["domain"]
        local_only = domain is not None and domain.lower() == self._settings.domain.lower()
        remote = None if domain is None or local_only else domain.lower()
        found = list(await self._storage.directory.search(
            username, remote, limit=query.limit, offset=query.offset,
            following_of=viewer.id if query.following else None,
        ))
        if local_only:
            found = [account for account in found if account.is_local]
        if (remote and query.resolve and query.offset == 0 and not query.following
                and not any(a.acct.lower() == f"{username}@{remote}".lower() for a in found)):
            resolved = await self._handles.resolve(username, remote)
            if resolved is not None:
                found = [resolved, *found][: query.limit]
        return found

    async def _statuses(self, reader: Reader, q: str, query: SearchQuery) -> list[Status]:
        terms = [term for term in q.split() if term]
        ids = await self._storage.search.statuses(
            reader, terms, Page(limit=query.limit, max_id=query.page.max_id, min_id=query.page.min_id),
            offset=query.offset, account_id=query.account_id,
        )
        statuses = await self._storage.statuses.get_many(ids)
        return [statuses[i] for i in ids if i in statuses]

    async def _hashtags(self, q: str, query: SearchQuery) -> Sequence[Tag]:
        name = normalize_hashtag(q.lstrip("#"))
        if not name:
            return []
        return await self._storage.search.tags(name, limit=query.limit, offset=query.offset)
