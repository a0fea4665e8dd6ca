"""Which remote domains this instance federates with.

``DomainPolicy`` is shared by both directions: the outbound HTTP client asks
it before every request (and every redirect hop), and the inbox asks it
about the sender's host before accepting an activity.

Matching works like Mastodon's domain blocks: case-insensitive, IDN hosts
compared in their punycode form, a trailing dot and any port ignored, and
an entry covers every subdomain below it (``example.com`` covers
``social.example.com``). A blocked domain is refused in every mode; in
``allowlist`` mode only allowed domains (and their subdomains) pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol, get_args
from urllib.parse import urlsplit

import idna

from activitypub.errors import ConfigError

FederationMode = Literal["open", "allowlist"]


class UrlPolicy(Protocol):
    """What the inbox and authorized fetch ask: ``DomainPolicy`` or the runtime ``LivePolicy``."""

    def is_allowed(self, host: str) -> bool: ...

    def is_allowed_url(self, url: str) -> bool: ...


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def normalise_host(host: str) -> str | None:
    """The canonical form of ``host`` for comparisons, or None if it is not a host.

    ``Social.Example.COM.:443`` becomes ``social.example.com``, and
    ``Bücher.example`` becomes ``xn--bcher-kva.example``.
    """
    host = _strip_port(host.strip()).rstrip(".")
    if not host:
        return None
    if host.isascii():
        host = host.lower()
    else:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if not host or ".." in host or host.startswith("."):
        return None
    return host


def _normalise_entries(entries: Iterable[str], kind: str) -> frozenset[str]:
    normalised: set[str] = set()
    for entry in entries:
        cleaned = entry.strip()
        cleaned = cleaned.removeprefix("*.").lstrip(".")
        host = normalise_host(cleaned)
        if host is None:
            raise ConfigError(f"Invalid domain in the {kind} list", detail=repr(entry))
        normalised.add(host)
    return frozenset(normalised)


class DomainPolicy:
    """The federation policy: an open or allowlist mode plus a blocklist."""

    def __init__(self, mode: str = "open", allowed: Iterable[str] = (), blocked: Iterable[str] = ()) -> None:
        if mode not in get_args(FederationMode):
            raise ConfigError("Unknown federation mode", detail=repr(mode))
        self.mode: FederationMode = "open" if mode == "open" else "allowlist"
        self.allowed = _normalise_entries(allowed, "allowed")
        self.blocked = _normalise_entries(blocked, "blocked")

    @staticmethod
    def _covered(host: str, domains: frozenset[str]) -> bool:
        labels = host.split(".")
        return any(".".join(labels[index:]) in domains for index in range(len(labels)))

    def is_blocked(self, host: str) -> bool:
        """True if ``host`` or one of its parent domains is on the blocklist."""
        normalised = normalise_host(host)
        return normalised is None or self._covered(normalised, self.blocked)

    def is_allowed(self, host: str) -> bool:
        """Whether this instance talks to ``host`` (outbound) or accepts from it (inbox)."""
        normalised = normalise_host(host)
        if normalised is None or self._covered(normalised, self.blocked):
            return False
        if self.mode == "allowlist":
            return self._covered(normalised, self.allowed)
        return True

    def is_allowed_url(self, url: str) -> bool:
        """``is_allowed`` for the host of an actor id, key id or inbox URL."""
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        return host is not None and self.is_allowed(host)

    def __repr__(self) -> str:
        return f"DomainPolicy(mode={self.mode!r}, allowed={len(self.allowed)}, blocked={len(self.blocked)})"
