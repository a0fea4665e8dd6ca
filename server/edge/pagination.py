"""Mastodon's pagination: id cursors with a ``Link`` header, and plain offsets.

Id-paginated lists are newest first and take four parameters:

``max_id``
    Only items older than this id (``id < max_id``). The ``next`` link
    sets it to the oldest id of the page, to go further back in time.
``since_id``
    Only items newer than this id (``id > since_id``), but still the
    *newest* ones: with 100 new items and ``limit=20`` you get the 20 most
    recent and a gap stays between them and ``since_id``.
``min_id``
    Only items newer than this id, the ones *immediately* after it: the
    query runs oldest first (``id > min_id ORDER BY id ASC LIMIT n``) and
    the page is then reversed to newest first. The ``prev`` link sets it
    to the newest id of the page, so paging back towards the present
    leaves no gap. When both are given, ``min_id`` wins and ``since_id`` is
    ignored, as in Mastodon's ``Paginable#paginate_by_id``.
``limit``
    Page size: the endpoint's default when absent, at most its maximum
    (twice the default in Mastodon: statuses 20/40, notifications and
    accounts 40/80).

The ``Link`` header lists ``next`` first, then ``prev``, each the request's
own URL with its other query parameters kept (``types[]``, ``only_media``,
``local``, ``limit``...) and the old cursors replaced. An empty page has no
header.

Search, trends, directories and follow suggestions page with ``offset`` and
``limit`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from activitypub.errors import BadRequest
from server.edge.params import Params, to_int
from storage.models import Page

CURSOR_PARAMS: Final = frozenset({"max_id", "since_id", "min_id"})
OFFSET_PARAMS: Final = frozenset({"offset"})

STATUSES_LIMITS: Final = (20, 40)
NOTIFICATIONS_LIMITS: Final = (40, 80)
ACCOUNTS_LIMITS: Final = (40, 80)
SEARCH_LIMITS: Final = (20, 40)

NEGATIVE_PAGINATION_MESSAGE: Final = "Pagination values for `offset` and `limit` must be positive"


def clamp_limit(value: int | None, default: int, maximum: int) -> int:
    """Mastodon's ``limit_param``: ``default`` when absent, ``|value|`` capped at ``maximum``.

    Mastodon would answer ``limit=0`` with an empty page; here the floor is 1.
    """
    if value is None:
        return default
    return max(1, min(abs(value), maximum))


@dataclass(frozen=True)
class PageRequest:
    """The cursor of an id-paginated list; see the module docstring for the semantics."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = STATUSES_LIMITS[0]

    @classmethod
    def from_params(
        cls, params: Params, *, default_limit: int = STATUSES_LIMITS[0], max_limit: int = STATUSES_LIMITS[1]
    ) -> PageRequest:
        return cls(
            max_id=params.get_id("max_id"),
            since_id=params.get_id("since_id"),
            min_id=params.get_id("min_id"),
            limit=clamp_limit(params.get_int("limit"), default_limit, max_limit),
        )

    @property
    def ascending(self) -> bool:
        """Whether to query oldest first (``min_id`` given) and reverse the page afterwards."""
        return self.min_id is not None

    @property
    def lower_bound(self) -> int | None:
        """The exclusive lower id bound: ``min_id`` if given, else ``since_id``."""
        return self.min_id if self.min_id is not None else self.since_id

    def admits(self, item_id: int) -> bool:
        """Whether ``item_id`` lies strictly inside the requested bounds."""
        lower = self.lower_bound
        if lower is not None and item_id <= lower:
            return False
        return self.max_id is None or item_id < self.max_id

    def select(self, ids_newest_first: Sequence[int]) -> list[int]:
        """Apply the cursor to an in-memory id list (for tests and small lists)."""
        inside = [item for item in ids_newest_first if self.admits(item)]
        if self.ascending:
            return inside[-self.limit :]
        return inside[: self.limit]


def replace_query(url: str, drop: frozenset[str], add: Sequence[tuple[str, str]]) -> str:
    """``url`` with the ``drop`` parameters removed and ``add`` appended, others kept in order."""
    parts = urlsplit(url)
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in drop]
    return urlunsplit(parts._replace(query=urlencode([*kept, *add])))


def _link(url: str, rel: str) -> str:
    return f'<{url}>; rel="{rel}"'


def link_header(url: str, ids_newest_first: Sequence[int | str], *, limit: int | None = None) -> str | None:
    """The ``Link`` header for a page of ids, newest first, or ``None`` for an empty page.

    ``url`` is the absolute URL the client requested. With ``limit`` the
    ``next`` link is left out when the page came back short (what Mastodon's
    account lists do with ``records_continue?``); timelines omit ``limit``
    and always give both links.
    """
    if not ids_newest_first:
        return None
    links = []
    if limit is None or len(ids_newest_first) >= limit:
        next_url = replace_query(url, CURSOR_PARAMS, [("max_id", str(ids_newest_first[-1]))])
        links.append(_link(next_url, "next"))
    prev_url = replace_query(url, CURSOR_PARAMS, [("min_id", str(ids_newest_first[0]))])
    links.append(_link(prev_url, "prev"))
    return ", ".join(links)


@dataclass(frozen=True)
class OffsetPage:
    """``offset``/``limit`` paging, as search, trends and suggestions use."""

    offset: int = 0
    limit: int = SEARCH_LIMITS[0]

    @classmethod
    def from_params(
        cls, params: Params, *, default_limit: int = SEARCH_LIMITS[0], max_limit: int = SEARCH_LIMITS[1]
    ) -> OffsetPage:
        offset = to_int(params.get("offset"), "offset")
        limit = to_int(params.get("limit"), "limit")
        if (offset is not None and offset < 0) or (limit is not None and limit < 0):
            raise BadRequest(NEGATIVE_PAGINATION_MESSAGE)
        return cls(offset=offset or 0, limit=clamp_limit(limit, default_limit, max_limit))

    def link_header(self, url: str, count: int) -> str | None:
        """``next`` when the page was full, ``prev`` when not at the start; ``None`` if neither."""
        links = []
        if count >= self.limit:
            links.append(_link(replace_query(url, OFFSET_PARAMS, [("offset", str(self.offset + self.limit))]), "next"))
        if self.offset > 0:
            previous = max(0, self.offset - self.limit)
            links.append(_link(replace_query(url, OFFSET_PARAMS, [("offset", str(previous))]), "prev"))
        return ", ".join(links) or None


def page_of(params: Params, limits: tuple[int, int] = STATUSES_LIMITS) -> Page:
    cursor = PageRequest.from_params(params, default_limit=limits[0], max_limit=limits[1])
    return Page(limit=cursor.limit, max_id=cursor.max_id, since_id=cursor.since_id, min_id=cursor.min_id)
