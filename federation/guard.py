"""The last check before anything leaves the server: nothing internal goes out.

``federation.fanout.enqueue`` runs the guard when a delivery is queued and
``federation.delivery`` runs it again right before the POST, because the
world may have changed in between (a post retracted, an actor hidden).

``ExposureGuard`` fails closed. It refuses an activity when:

* the signer is not a local, exposed account (the company is always exposed),
  unless it retracts an object of ours that went out (retraction is always
  possible, see ``_retracts_what_went_out``), or ``actor`` in the document
  is not the signer;
* it carries ``bto``/``bcc`` anywhere (the spec says strip them before
  delivery; ``fanout`` does, so finding them here means a bug);
* any string anywhere in it (ids, addressing, ``inReplyTo``, tags,
  attachment URLs, links inside HTML ``content``) names a local URL that is
  neither an exposed actor (or one of its public collections, its key, its
  profile page), the shared inbox, an allowed extra URL such as the
  instance actor, nor a public object according to ``is_public_object``;
* it mentions ``@user@our.domain`` for a user that is not exposed.

Two kinds of local URL are exempt because they name the activity itself,
not content: the top-level ``id``, and the ``id`` of an embedded activity
performed by the signer (the Follow inside ``Undo{Follow}``, the Announce
inside ``Undo{Announce}``). Its other fields are still checked.

Retractions: ``Delete`` and ``Undo`` exist to withdraw what went out
before, so inside their ``object`` a local URL may also satisfy
``was_public_object`` (published once, retracted since). The default is
``is_public_object`` alone, which is strictest: a never-published object
is never named, not even by a ``Delete``. ``Update``, ``Accept``,
``Reject`` and everything else get the normal rules; an ``Update`` or
``Delete`` of the actor itself passes because the actor is exposed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

from activitypub.errors import Forbidden
from activitypub.uris import Uris
from federation.actor_documents import is_exposed
from storage.models import Account
from storage.protocols import Storage

ObjectCheck = Callable[[str], Awaitable[bool]]
RETRACTING_TYPES = frozenset({"Delete", "Undo"})
ACTIVITY_TYPES = frozenset(
    {"Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "Flag", "Follow", "Like", "Move",
     "Reject", "Remove", "TentativeAccept", "TentativeReject", "Undo", "Update", "EmojiReact"}
)  # fmt: skip
# Parts of an exposed actor that are as public as the actor itself.
ACTOR_PARTS = frozenset(
    {"", "followers", "following", "outbox", "inbox", "featured", "featured_tags", "collections/featured",
     "collections/tags"}
)  # fmt: skip
HIDDEN_ADDRESSING = ("bto", "bcc")
MAX_DEPTH = 32
# Sentence punctuation after a link in text is not part of the URL.
TRAILING_PUNCTUATION = ".,;:!?)]}"


class LeakPrevented(Forbidden):
    """An outbound activity would have shown something internal; nothing was sent."""

    default_message = "This activity cannot leave the server"


class DeliveryGuard(Protocol):
    async def check(self, activity: dict[str, Any], actor: Account) -> None:
        """Return if ``activity`` may leave signed by ``actor``; raise ``LeakPrevented`` if not."""
        ...


def _strings(value: Any, path: tuple[str, ...], depth: int = 0) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string in the document with the keys leading to it (list indexes left out)."""
    if depth > MAX_DEPTH:
        raise LeakPrevented(detail="activity nested too deeply to check")
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)), depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path, depth + 1)


def _has_hidden_addressing(value: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        if any(key in value for key in HIDDEN_ADDRESSING):
            return True
        return any(_has_hidden_addressing(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        return any(_has_hidden_addressing(item, depth + 1) for item in value)
    return False


def _own_activity_ids(activity: dict[str, Any], actor_uri: str) -> set[str]:
    """Ids of the activity and of embedded activities by the signer: handles, not content."""
    found: set[str] = set()
    node: Any = activity
    for _ in range(MAX_DEPTH):
        if not isinstance(node, dict):
            break
        node_id = node.get("id")
        by_signer = node is activity or node.get("actor") == actor_uri
        if isinstance(node_id, str) and by_signer and (node is activity or node.get("type") in ACTIVITY_TYPES):
            found.add(node_id)
        elif isinstance(node_id, str) and node_id.startswith(actor_uri + "#") and (
            node.get("attributedTo") == actor_uri or node.get("actor") == actor_uri
        ):
            # An object the signer mints under its own actor URI (a poll vote, as Mastodon's
            # ``<actor>#votes/<id>``): a handle like an activity id, not internal content.
            found.add(node_id)
        node = node.get("object")
    return found


class ExposureGuard:
    """The default ``DeliveryGuard``; see the module docstring for the rules."""

    def __init__(
        self,
        storage: Storage,
        base_url: str,
        is_public_object: ObjectCheck,
        *,
        was_public_object: ObjectCheck | None = None,
        extra_public_urls: frozenset[str] = frozenset(),
    ) -> None:
        self._storage = storage
        self._base = base_url.rstrip("/")
        self._uris = Uris.of(base_url)
        parts = urlsplit(self._base)
        self._authority = parts.netloc.lower()
        self._domain = (parts.hostname or "").lower()
        self._is_public_object = is_public_object
        self._was_public_object = was_public_object or is_public_object
        self._always_public = frozenset({f"{self._base}/inbox", *extra_public_urls})
        self._local_url = re.compile(r"(?i)\bhttps?://" + re.escape(self._authority) + r"(?=$|[/?#\s\"'<>])[^\s\"'<>]*")
        self._handle = re.compile(r"(?i)(?<![\w/])@([A-Za-z0-9_][A-Za-z0-9_.-]*)@" + re.escape(self._domain) + r"(?![\w-]|\.[\w-])")

    async def check(self, activity: dict[str, Any], actor: Account) -> None:
        if not is_exposed(actor) and not await self._retracts_what_went_out(activity, actor):
            raise LeakPrevented(detail=f"signer {actor.acct} is not an exposed local actor")
        actor_uri = self._uris.actor(actor.username)
        if activity.get("actor") != actor_uri:
            raise LeakPrevented(detail=f"actor {activity.get('actor')!r} is not the signer {actor_uri}")
        if _has_hidden_addressing(activity):
            raise LeakPrevented(detail="bto/bcc must be stripped before delivery")
        exempt = _own_activity_ids(activity, actor_uri)
        retracting = activity.get("type") in RETRACTING_TYPES
        cache: dict[tuple[str, bool], bool] = {}
        # The signer was just checked; other usernames are looked up once per check.
        exposure = {actor.username.lower(): True}
        for path, text in _strings(activity, ()):
            if text in exempt and path[-1:] == ("id",):
                continue
            in_retracted_part = retracting and path[:1] == ("object",)
            for url in self._local_urls(text):
                key = (url, in_retracted_part)
                if key not in cache:
                    cache[key] = await self._url_allowed(url, in_retracted_part, exposure)
                if not cache[key]:
                    raise LeakPrevented(detail=f"{'.'.join(path) or 'value'} names internal {url}")
            for username in self._handle.findall(text):
                if not await self._username_exposed(username, exposure):
                    raise LeakPrevented(detail=f"{'.'.join(path)} mentions hidden @{username}")

    async def _retracts_what_went_out(self, activity: dict[str, Any], actor: Account) -> bool:
        """A ``Delete`` of, or ``Undo{Announce}`` of, our object that was public: retraction is always possible.

        Partners already know the signer (they hold its key from the activity
        being withdrawn), so it signs even when hidden since; the rest of the
        activity is still checked by the normal rules.
        """
        if not actor.is_local or activity.get("type") not in RETRACTING_TYPES:
            return False
        target = activity.get("object")
        if isinstance(target, dict) and activity.get("type") == "Undo":
            if target.get("type") != "Announce" or target.get("actor") != activity.get("actor"):
                return False
            target = target.get("object")
        elif isinstance(target, dict):
            target = target.get("id")
        if not isinstance(target, str) or not self._local_url.fullmatch(target):
            return False
        return await self._is_public_object(target) or await self._was_public_object(target)

    def _local_urls(self, text: str) -> Iterator[str]:
        """Local URLs in ``text``, with our scheme and authority spelled the canonical way."""
        if self._authority not in text.lower():
            return
        for match in self._local_url.finditer(text):
            found = match.group(0).rstrip(TRAILING_PUNCTUATION)
            yield self._base + found[found.index("://") + 3 + len(self._authority) :]

    async def _url_allowed(self, url: str, retracted_ok: bool, exposure: dict[str, bool]) -> bool:
        if url in self._always_public or url.split("#", 1)[0] in self._always_public:
            return True
        username = self._actor_username(url)
        if username is not None:
            return await self._username_exposed(username, exposure)
        if await self._is_public_object(url):
            return True
        return retracted_ok and await self._was_public_object(url)

    def _actor_username(self, url: str) -> str | None:
        """The username when ``url`` is an actor, a public part of one, its key, or its profile page."""
        return self._uris.parse_actor(url, parts=ACTOR_PARTS) or self._uris.parse_profile_page(url)

    async def _username_exposed(self, username: str, exposure: dict[str, bool]) -> bool:
        key = username.lower()
        if key not in exposure:
            account = await self._storage.accounts.get_local(username)
            exposure[key] = account is not None and is_exposed(account)
        return exposure[key]
