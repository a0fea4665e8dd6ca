"""Mastodon's OAuth scopes (as of 4.3) and how they imply one another.

Scopes are hierarchical: ``read`` grants every ``read:*`` scope,
``write`` every ``write:*``, ``admin:read`` every ``admin:read:*`` and
``admin:write`` every ``admin:write:*``. The legacy ``follow`` scope grants
reading and writing follows, blocks and mutes. ``profile`` (new in 4.3)
grants only ``GET /api/v1/accounts/verify_credentials``; it is itself
implied by ``read`` and ``read:accounts``, since Mastodon lets any of
``profile``, ``read`` and ``read:accounts`` call that endpoint. ``write``
never implies ``read``, and ``read`` never implies ``admin:read``.

Mastodon checks an endpoint with ``doorkeeper_authorize! :read,
:'read:statuses'`` (any one suffices); ``ScopeSet.allows("read:statuses")``
is the same check, because the parents are folded in by the closure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from activitypub.errors import Forbidden
from server.edge.errors import OUTSIDE_SCOPES_MESSAGE, OAuthError

READ_SCOPES: Final = frozenset(
    f"read:{term}"
    for term in (
        "accounts", "blocks", "bookmarks", "favourites", "filters", "follows",
        "lists", "mutes", "notifications", "search", "statuses",
    )
)  # fmt: skip
WRITE_SCOPES: Final = frozenset(
    f"write:{term}"
    for term in (
        "accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows",
        "lists", "media", "mutes", "notifications", "reports", "statuses",
    )
)  # fmt: skip
_ADMIN_TERMS: Final = (
    "accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
    "email_domain_blocks", "canonical_email_blocks",
)  # fmt: skip
ADMIN_READ_SCOPES: Final = frozenset(f"admin:read:{term}" for term in _ADMIN_TERMS)
ADMIN_WRITE_SCOPES: Final = frozenset(f"admin:write:{term}" for term in _ADMIN_TERMS)
FOLLOW_SCOPES: Final = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)
TOP_LEVEL_SCOPES: Final = frozenset({"read", "write", "follow", "push", "profile", "admin:read", "admin:write"})
ALL_SCOPES: Final = TOP_LEVEL_SCOPES | READ_SCOPES | WRITE_SCOPES | ADMIN_READ_SCOPES | ADMIN_WRITE_SCOPES
DEFAULT_SCOPES: Final = frozenset({"read"})

# What holding a scope grants besides itself.
_IMPLIES: Final[dict[str, frozenset[str]]] = {
    "read": READ_SCOPES | {"profile"},
    "read:accounts": frozenset({"profile"}),
    "write": WRITE_SCOPES,
    "follow": FOLLOW_SCOPES,
    "admin:read": ADMIN_READ_SCOPES,
    "admin:write": ADMIN_WRITE_SCOPES,
}

_SEPARATORS = re.compile(r"[\s+]+")


class InvalidScope(OAuthError):
    """An unknown, malformed or unregistered scope: Doorkeeper's ``invalid_scope`` (400)."""

    def __init__(self, description: str | None = None, *, detail: str | None = None) -> None:
        super().__init__("invalid_scope", description, detail=detail)


def parse_scopes(raw: str | None, *, default: frozenset[str] = DEFAULT_SCOPES) -> frozenset[str]:
    """Scopes from a space- or ``+``-separated string; ``default`` when blank.

    An unknown scope raises ``InvalidScope`` (Doorkeeper's ``invalid_scope``);
    the endpoint that registers apps turns that into a 422 if it wishes.
    """
    names = [name for name in _SEPARATORS.split(raw or "") if name]
    if not names:
        return default
    unknown = sorted({name for name in names if name not in ALL_SCOPES})
    if unknown:
        raise InvalidScope(detail=f"unknown scope(s): {' '.join(unknown)}")
    return frozenset(names)


def format_scopes(scopes: Iterable[str]) -> str:
    """Space-separated, top-level scopes first, for ``scope`` in token responses."""
    return " ".join(sorted(set(scopes), key=lambda name: (name not in TOP_LEVEL_SCOPES, name)))


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """Every scope that ``scopes`` grant, themselves included."""
    granted: set[str] = set()
    for name in scopes:
        granted.add(name)
        granted |= _IMPLIES.get(name, frozenset())
    return frozenset(granted)


@dataclass(frozen=True)
class ScopeSet:
    """The scopes a token or an app holds, with Mastodon's hierarchy."""

    scopes: frozenset[str]

    @classmethod
    def parse(cls, raw: str | None) -> ScopeSet:
        return cls(parse_scopes(raw))

    @property
    def granted(self) -> frozenset[str]:
        return expand(self.scopes)

    def allows(self, required: str) -> bool:
        return required in self.granted

    def allows_any(self, *required: str) -> bool:
        granted = self.granted
        return any(name in granted for name in required)

    def require(self, *required: str) -> None:
        """Raise Mastodon's 403 unless any of ``required`` is granted."""
        if not self.allows_any(*required):
            raise Forbidden(OUTSIDE_SCOPES_MESSAGE, detail=f"needs one of: {' '.join(required)}")

    def __str__(self) -> str:
        return format_scopes(self.scopes)


def narrow(requested: str | None, app_scopes: Iterable[str]) -> frozenset[str]:
    """The scopes an authorization request gets from an app registered with ``app_scopes``.

    No ``scope`` means ``read`` (Doorkeeper's default scopes). Every requested
    scope must be within the app's registration, or the request fails with
    ``invalid_scope`` as in Mastodon. Doorkeeper compares names literally;
    here a narrower scope of a registered one (``read:statuses`` under
    ``read``) is accepted too, since it can only grant less.
    """
    wanted = parse_scopes(requested)
    registered = ScopeSet(frozenset(app_scopes))
    outside = sorted(name for name in wanted if not registered.allows(name))
    if outside:
        raise InvalidScope(detail=f"not registered for the app: {' '.join(outside)}")
    return wanted
