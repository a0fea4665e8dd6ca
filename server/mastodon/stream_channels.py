"""Mastodon's stream channels: their names, parameters, scopes, and the bus streams behind them.

A channel is what a client asks for (``hashtag`` with ``tag=foo``); it
listens to one or more event-bus streams (``hashtag:foo``) and labels what
it sends with ``stream`` (``["hashtag", "foo"]``), as Mastodon does. The
error messages and statuses are those of Mastodon's streaming server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from activitypub.content import normalize_hashtag
from activitypub.errors import BadRequest, Unauthorized
from server.mastodon.stream_auth import StreamViewer
from server.services.streams import StreamService
from storage.ids import parse_id

# The SSE path below /api/v1/streaming/ of each channel.
SSE_PATHS: Final = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "list": "list",
    "direct": "direct",
}
_PUBLIC: Final = {"public": "public", "public:local": "public:local", "public:remote": "public:remote"}
_MEDIA_SUFFIX: Final = ":media"
READ_STATUSES: Final = ("read", "read:statuses")
READ_NOTIFICATIONS: Final = ("read", "read:notifications")
UNKNOWN_STREAM: Final = "Unknown stream type"


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    label: tuple[str, ...]
    """The ``stream`` of each WebSocket message: the name, plus the tag or list as the client gave it."""
    streams: tuple[str, ...]
    notifications: bool = False
    """Whether ``notification`` events pass (the user stream needs a notifications scope for them)."""
    only_media: bool = False
    filtered: bool = False
    """Public and hashtag channels also drop posts that mention someone the viewer blocks or mutes."""

    @property
    def context(self) -> str:
        """The filter context (Mastodon's) that applies to statuses on this channel."""
        return "public" if self.filtered else "home"

    @property
    def key(self) -> str:
        """Subscribing twice to the same key is a no-op (Mastodon keys by channel ids)."""
        return ";".join(self.streams) + ("|media" if self.only_media else "")


def first_param(value: Any) -> str | None:
    """Mastodon's ``firstParam``: a repeated parameter counts by its first value."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) else None


def _truthy(value: Any) -> bool:
    return first_param(value) in ("1", "true", "True", "t", "on")


def channel_name(name: str, params: Mapping[str, Any]) -> str:
    """``only_media`` turns a public channel into its media-only variant, as in Mastodon."""
    if name in _PUBLIC and _truthy(params.get("only_media")):
        return name + _MEDIA_SUFFIX
    return name


async def resolve_channel(
    streams: StreamService, viewer: StreamViewer, name: str | None, params: Mapping[str, Any],
) -> Channel:
    """The channel ``name`` with ``params``; Mastodon's 400/401 errors for what cannot be streamed."""
    if name is None or not _known(name):
        raise BadRequest(UNKNOWN_STREAM)
    viewer.require(*(READ_NOTIFICATIONS if name == "user:notification" else READ_STATUSES))
    account_id = viewer.account.id
    if name == "user":
        return Channel(name, (name,), (f"user:{account_id}",), notifications=viewer.scopes.allows_any(*READ_NOTIFICATIONS))
    if name == "user:notification":
        return Channel(name, (name,), (f"user:notification:{account_id}",), notifications=True)
    if name == "direct":
        return Channel(name, (name,), (f"direct:{account_id}",))
    if name.removesuffix(_MEDIA_SUFFIX) in _PUBLIC:
        base = name.removesuffix(_MEDIA_SUFFIX)
        return Channel(name, (name,), (base,), only_media=name != base, filtered=True)
    if name in ("hashtag", "hashtag:local"):
        return _hashtag(name, params)
    return await _list(streams, viewer, params)


def _known(name: str) -> bool:
    return name in SSE_PATHS.values() or name.removesuffix(_MEDIA_SUFFIX) in _PUBLIC


def _hashtag(name: str, params: Mapping[str, Any]) -> Channel:
    tag = first_param(params.get("tag"))
    if not tag:
        raise BadRequest("Missing tag name parameter")
    normalized = normalize_hashtag(tag.removeprefix("#"))
    stream = f"hashtag:local:{normalized}" if name == "hashtag:local" else f"hashtag:{normalized}"
    return Channel(name, (name, tag), (stream,), filtered=True)


async def _list(streams: StreamService, viewer: StreamViewer, params: Mapping[str, Any]) -> Channel:
    raw = first_param(params.get("list"))
    if not raw:
        raise BadRequest("Missing list name parameter")
    if not await _owns_list(streams, viewer.account.id, raw):
        raise Unauthorized("Not authorized to stream this list")
    return Channel("list", ("list", raw), (f"list:{parse_id(raw)}",))


async def _owns_list(streams: StreamService, account_id: int, raw: str) -> bool:
    try:
        list_id = parse_id(raw)
    except ValueError:
        return False
    return await streams.owns_list(account_id, list_id)
