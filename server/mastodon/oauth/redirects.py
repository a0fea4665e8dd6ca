"""Redirect URIs: what an app may register, and how the answer is added to one.

Doorkeeper's rules as Mastodon configures them: absolute URIs without a
fragment, any scheme (apps use ``tusky://oauth`` or
``com.example:/callback``), plus the out-of-band URN that shows the code
on a page instead of redirecting. Schemes that would run code in the
browser are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from activitypub.errors import InvalidInput

OOB: Final = "urn:ietf:wg:oauth:2.0:oob"
MAX_LENGTH: Final = 2000
_FORBIDDEN_SCHEMES: Final = frozenset({"javascript", "data", "vbscript", "file", "about", "blob"})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


def split_redirect_uris(raw: str | list[str]) -> tuple[str, ...]:
    """A newline-separated string or a list, blank lines dropped, order kept, duplicates removed."""
    items = raw.splitlines() if isinstance(raw, str) else raw
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip())
    return tuple(seen)


def check_redirect_uri(uri: str) -> str:
    """The URI, or ``InvalidInput`` in Mastodon's words."""
    if uri == OOB:
        return uri
    if len(uri) > MAX_LENGTH:
        raise InvalidInput(f"Validation failed: Redirect URI is too long (maximum is {MAX_LENGTH} characters)")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in uri):
        raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.")
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.") from None
    if not parts.scheme or not _SCHEME.match(parts.scheme) or not (parts.netloc or parts.path):
        raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.")
    if parts.scheme.lower() in _FORBIDDEN_SCHEMES:
        raise InvalidInput("Validation failed: Redirect URI is forbidden by the server.")
    if parts.fragment or uri.endswith("#"):
        raise InvalidInput("Validation failed: Redirect URI cannot contain a fragment.")
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        raise InvalidInput("Validation failed: Redirect URI must be an absolute URI.")
    return uri


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` added to its query (existing parameters kept, None values left out)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((key, value) for key, value in params.items() if value is not None)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
