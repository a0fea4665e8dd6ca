"""Helpers that flatten the many shapes one ActivityStreams property can take.

ActivityStreams lets almost any property be a single value or a list, and a
reference be a bare IRI, an embedded object or a Link. Every server picks a
different subset, so each helper here accepts all of them and returns one
plain Python shape. Helpers never raise on odd shapes of *optional* data:
they return ``None``/empty, because dropping an avatar beats dropping a post.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from activitypub.context import PUBLIC

# Compacted forms of the Public collection seen in the wild: the full IRI,
# the prefixed form (Pleroma, older Mastodon) and the bare term (Misskey).
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

# Far beyond any real IRI, small enough to stop someone using ids as storage.
MAX_URI_LENGTH = 2048

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_UNSAFE_URI_CHARS = re.compile(r"[\x00-\x20\x7f<>\"\\^`{|}]")


def as_list(value: Any) -> list[Any]:
    """``None`` → ``[]``, a list stays, anything else becomes a one-item list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def first(value: Any) -> Any:
    """The first item of a maybe-list, or the value itself."""
    items = as_list(value)
    return items[0] if items else None


def is_http_uri(value: Any) -> TypeGuard[str]:
    """True for an absolute http(s) URI with a host and no credentials.

    Userinfo is refused because ``https://evil@good.example`` reads as the
    wrong host to humans and to naive origin checks.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_URI_LENGTH:
        return False
    if _UNSAFE_URI_CHARS.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    return "@" not in parts.netloc


def ref_id(value: Any) -> str | None:
    """The IRI a reference points at: a string, ``{"id"}``, a Link's ``href``.

    For a list the first resolvable entry wins.
    """
    for item in as_list(value):
        if isinstance(item, str):
            return item
        if isinstance(item, Mapping):
            for key in ("id", "href"):
                found = item.get(key)
                if isinstance(found, str):
                    return found
    return None


def ref_ids(value: Any) -> tuple[str, ...]:
    """Every resolvable IRI in a maybe-list of references, order kept."""
    found = (ref_id(item) for item in as_list(value))
    return tuple(item for item in found if item is not None)


def canonical_address(address: str) -> str:
    """Map every spelling of Public onto the one full IRI."""
    return PUBLIC if address in PUBLIC_ALIASES else address


def audience(value: Any) -> tuple[str, ...]:
    """A ``to``/``cc``/``bto`` value as a de-duplicated tuple of IRIs.

    Public is canonicalised first so a later ``is_public`` check is a plain
    membership test whichever spelling the sender chose.
    """
    seen: dict[str, None] = {}
    for address in ref_ids(value):
        seen.setdefault(canonical_address(address), None)
    return tuple(seen)


def is_public(*audiences: Iterable[str]) -> bool:
    """Whether any of the given address lists names the Public collection."""
    return any(canonical_address(address) == PUBLIC for group in audiences for address in group)


def clean_language(value: Any) -> str | None:
    """A BCP 47-looking language tag, or ``None`` for anything else."""
    if isinstance(value, str) and _LANGUAGE_TAG.match(value):
        return value
    return None


def language_of(doc: Mapping[str, Any]) -> str | None:
    """The language declared by ``contentMap``, Lemmy/PeerTube or Mobilizon.

    contentMap wins because it is what Mastodon reads; Lemmy and PeerTube
    send ``language: {identifier, name}`` and Mobilizon ``inLanguage``.
    """
    content_map = doc.get("contentMap")
    if isinstance(content_map, Mapping):
        content = doc.get("content")
        for lang, text in content_map.items():
            if text == content and clean_language(lang):
                return str(lang)
        for lang in content_map:
            if clean_language(lang):
                return str(lang)
    declared = first(doc.get("language"))
    if isinstance(declared, Mapping):
        declared = declared.get("identifier")
    return clean_language(declared) or clean_language(doc.get("inLanguage"))


def content_of(doc: Mapping[str, Any], key: str = "content") -> str | None:
    """``content`` if it is a string, else the first string in ``contentMap``.

    Some servers (Friendica, GoToSocial) send both and they can differ; the
    plain property is preferred because it is what the author's server shows.
    """
    value = doc.get(key)
    if isinstance(value, str):
        return value
    mapped = doc.get(f"{key}Map")
    if isinstance(mapped, Mapping):
        for text in mapped.values():
            if isinstance(text, str):
                return text
    return None


def _link_href(link: Any) -> str | None:
    if isinstance(link, str):
        return link
    if isinstance(link, Mapping):
        href = link.get("href")
        if isinstance(href, str):
            return href
        return _link_href(link.get("url"))
    return None


def _media_type(link: Any) -> str | None:
    if not isinstance(link, Mapping):
        return None
    # Funkwhale still says ``mimeType``, the pre-ActivityStreams-2 name.
    kind = link.get("mediaType", link.get("mimeType"))
    return kind if isinstance(kind, str) else None


def pick_url(value: Any, prefer: str | None = "text/html") -> str | None:
    """The one URL to show from a string, a Link or a list of Links.

    PeerTube and Funkwhale list streams and playlists next to the watch page;
    the ``prefer`` media type (the HTML page by default) wins, then any plain
    string, then the first Link with an href.
    """
    items = as_list(value)
    for item in items:
        href = _link_href(item)
        if href and prefer is not None and _media_type(item) == prefer:
            return href
    for item in items:
        if isinstance(item, str):
            return item
    for item in items:
        href = _link_href(item)
        if href:
            return href
    return None


def pick_image_url(value: Any) -> str | None:
    """The URL of an ``icon``/``image``: an Image, a list of them, or a bare URL.

    From a list the widest image wins (PeerTube sends several sizes);
    Smithereen nests the original under ``image``, whose cropped ``url`` we use.
    """
    candidates = [item for item in as_list(value) if isinstance(item, (str, Mapping))]
    if not candidates:
        return None

    def width(item: Any) -> int:
        size = item.get("width") if isinstance(item, Mapping) else None
        return size if isinstance(size, int) and not isinstance(size, bool) else 0

    best = max(candidates, key=width)
    if isinstance(best, str):
        return best
    return pick_url(best.get("url"), prefer=None)


def pick_attributed_to(value: Any, *, prefer_types: Iterable[str] = ("Person",)) -> str | None:
    """The author IRI from ``attributedTo``.

    PeerTube lists the account (Person) and the channel (Group); the Person is
    the author. A bare string or the first reference is used otherwise.
    """
    # A tuple, not a set: ``type`` may be a list, and a list cannot be hashed.
    wanted = tuple(prefer_types)
    for item in as_list(value):
        if isinstance(item, Mapping) and item.get("type") in wanted and isinstance(item.get("id"), str):
            return str(item["id"])
    return ref_id(value)


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from the ISO 8601 variants servers emit.

    Handles ``Z``, offsets, no fraction, nanosecond fractions (Mitra) and naive
    timestamps (older Pleroma), which are taken as UTC. Anything else gives
    ``None``: a bad timestamp should cost the post its date, not the post.
    """
    if not isinstance(value, str) or not 8 <= len(value) <= 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        # Year 1 or 9999 with an offset falls off the calendar when shifted.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def optional_bool(value: Any) -> bool | None:
    """``True``/``False`` as given; Akkoma's ``null`` and junk become ``None``."""
    return value if isinstance(value, bool) else None


def optional_int(value: Any, *, minimum: int = 0) -> int | None:
    """A non-bool integer at or above ``minimum``, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return None
    return value


def get_term(doc: Mapping[str, Any], term: str, prefix: str = "toot") -> Any:
    """A property under its bare name or its prefixed one (Takahē's ``toot:discoverable``)."""
    if term in doc:
        return doc[term]
    return doc.get(f"{prefix}:{term}")
