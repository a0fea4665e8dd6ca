"""Turn remote ActivityStreams JSON into the records in ``activitypub.vocab``.

The contract: ``parse_actor``/``parse_object``/``parse_activity`` either
return a record whose required fields are present and well-formed, or raise
``MalformedActivity`` with a reason; never another exception, whatever the
input. Required fields are checked strictly because everything downstream
(addressing, signatures, storage keys) trusts them; optional decoration is
read leniently because peers get it wrong in creative ways.

There is no JSON-LD expansion: like Mastodon we read compact terms, which is
what every peer in practice emits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from activitypub import normalize as n
from activitypub.errors import MalformedActivity
from activitypub.vocab import (
    ACTOR_TYPES,
    OBJECT_TYPES,
    Activity,
    RemoteActor,
    RemoteNote,
    read_attachments,
    read_emojis,
    read_fields,
    read_hashtags,
    read_mentions,
    read_multikeys,
    read_poll,
)

# Activities meaningless without an object; others (unknown extensions) may omit it.
OBJECT_REQUIRED = frozenset(
    {"Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like", "Dislike",
     "Announce", "Block", "Flag", "Move", "Add", "Remove", "EmojiReact"}
)
COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"})

# Free-text properties longer than this are refused rather than stored.
_MAX_SHORT_TEXT = 2048


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds that keep a hostile document from costing us CPU or storage.

    Defaults sit well above anything the fixtures from ~20 server kinds need
    (deepest: PeerTube videos at 7 levels) and well below abuse territory.
    """

    max_depth: int = 20
    max_nodes: int = 20_000
    max_tags: int = 200
    max_attachments: int = 32
    max_poll_options: int = 64
    max_recipients: int = 2_000
    max_objects: int = 100


DEFAULT_LIMITS = Limits()


def check_limits(doc: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse documents nested deeper than ``max_depth`` or with too many nodes.

    Iterative on purpose: a recursive walk is itself what a deep document
    attacks.
    """
    stack: list[tuple[Any, int]] = [(doc, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise MalformedActivity(f"document has more than {limits.max_nodes} values")
        if isinstance(value, (Mapping, list)):
            if depth > limits.max_depth:
                raise MalformedActivity(f"document is nested deeper than {limits.max_depth} levels")
            children = value.values() if isinstance(value, Mapping) else value
            if nodes + len(stack) + len(children) > limits.max_nodes:
                raise MalformedActivity(f"document has more than {limits.max_nodes} values")
            stack.extend((child, depth + 1) for child in children)


def host_of(uri: str) -> str:
    """The lower-cased host of an http(s) URI, without port or trailing dot.

    The trailing dot is dropped so ``evil.example.`` cannot dodge a block on
    ``evil.example``.
    """
    if not n.is_http_uri(uri):
        raise MalformedActivity(f"not an absolute http(s) URI: {_clip(uri)}")
    return (urlsplit(uri).hostname or "").rstrip(".")


def same_origin(a: str, b: str) -> bool:
    """Whether two URIs share scheme, host and (effective) port; False if either is invalid."""
    if not (n.is_http_uri(a) and n.is_http_uri(b)):
        return False
    left, right = urlsplit(a), urlsplit(b)

    def port(parts: Any) -> int:
        default = 443 if parts.scheme.lower() == "https" else 80
        return int(parts.port or default)

    return (
        left.scheme.lower() == right.scheme.lower()
        and host_of(a) == host_of(b)
        and port(left) == port(right)
    )


def is_own_uri(uri: str, base_url: str) -> bool:
    """Whether ``uri`` lives on our own server: the host of ``base_url`` and its port.

    The scheme is not compared and the two default ports count as one, so
    ``http://our.host/users/alice`` is ours as much as the https form: on
    our host it reaches our own server (or its redirect), never a remote one.
    Anything ours arriving from outside is answered from our own data or
    refused, never fetched or stored as remote.
    """
    if not (n.is_http_uri(uri) and n.is_http_uri(base_url)) or host_of(uri) != host_of(base_url):
        return False
    return _port_or_default(uri) == _port_or_default(base_url)


def _port_or_default(uri: str) -> int | None:
    """The explicit port, or None for the scheme's default (80 and 443 alike)."""
    try:
        port = urlsplit(uri).port
    except ValueError:
        return -1
    default = 443 if uri[:6].lower() == "https:" else 80
    return None if port in (None, default) else port


def parse_actor(doc: Any, *, limits: Limits = DEFAULT_LIMITS) -> RemoteActor:
    """A Person/Service/Application/Group/Organization document."""
    d = _start(doc, limits)
    kind = _require_type(d, ACTOR_TYPES, "actor")
    actor_id = _require_id(d)
    tags = _limited(d, "tag", limits.max_tags)
    key_id, key_pem, key_owner = _public_key(d.get("publicKey"), actor_id)
    endpoints = d.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, Mapping) else None
    return RemoteActor(
        id=actor_id,
        type=kind,
        preferred_username=_require_text(d, "preferredUsername"),
        inbox=_require_uri(d, "inbox"),
        name=_optional_text(d, "name"),
        summary=_optional_text(d, "summary", limit=None),
        url=_uri_or_none(n.pick_url(d.get("url"))),
        # Misskey also puts sharedInbox at top level; endpoints is the standard place.
        shared_inbox=_uri_or_none(n.ref_id(shared)) or _uri_or_none(n.ref_id(d.get("sharedInbox"))),
        outbox=_ref_uri(d.get("outbox")),
        followers=_ref_uri(d.get("followers")),
        following=_ref_uri(d.get("following")),
        featured=_ref_uri(d.get("featured")),
        public_key_id=key_id,
        public_key_pem=key_pem,
        public_key_owner=key_owner,
        multikeys=read_multikeys(d.get("assertionMethod")),
        manually_approves_followers=n.optional_bool(d.get("manuallyApprovesFollowers")) or False,
        discoverable=n.optional_bool(n.get_term(d, "discoverable")),
        indexable=n.optional_bool(n.get_term(d, "indexable")),
        icon_url=_uri_or_none(n.pick_image_url(d.get("icon"))),
        image_url=_uri_or_none(n.pick_image_url(d.get("image"))),
        fields=read_fields(_limited(d, "attachment", limits.max_tags)),
        also_known_as=tuple(u for u in n.ref_ids(d.get("alsoKnownAs")) if n.is_http_uri(u))[: limits.max_tags],
        moved_to=_ref_uri(d.get("movedTo")),
        published=n.parse_datetime(d.get("published")),
        emojis=read_emojis(tags),
    )


def parse_object(doc: Any, *, limits: Limits = DEFAULT_LIMITS) -> RemoteNote:
    """A post-like object: Note, Article, Page, Question, Video, Event…"""
    d = _start(doc, limits)
    kind = _require_type(d, OBJECT_TYPES, "object")
    note_id = _require_id(d)
    author = n.pick_attributed_to(d.get("attributedTo"))
    if not n.is_http_uri(author):
        raise MalformedActivity("attributedTo is missing or not an http(s) URI")
    tags = _limited(d, "tag", limits.max_tags)
    options, multiple = read_poll(
        _limited(d, "oneOf", limits.max_poll_options), _limited(d, "anyOf", limits.max_poll_options)
    )
    closed_at = n.parse_datetime(d.get("closed"))
    media_type = d.get("mediaType")
    return RemoteNote(
        id=note_id,
        type=kind,
        attributed_to=author,
        content_html=n.content_of(d) or "",
        content_media_type=media_type if isinstance(media_type, str) else "text/html",
        name=_optional_text(d, "name", limit=None),
        # Akkoma sends ``""`` for "no content warning"; make that None like absent.
        summary=_optional_text(d, "summary", limit=None) or None,
        sensitive=n.optional_bool(d.get("sensitive")) or False,
        language=n.language_of(d),
        in_reply_to=_ref_uri(d.get("inReplyTo")),
        published=n.parse_datetime(d.get("published")),
        updated=n.parse_datetime(d.get("updated")),
        url=_uri_or_none(n.pick_url(d.get("url"))),
        to=_audience(d, "to", limits),
        cc=_audience(d, "cc", limits),
        audience=_ref_uri(d.get("audience")),
        mentions=read_mentions(tags),
        hashtags=read_hashtags(tags),
        emojis=read_emojis(tags),
        attachments=read_attachments(_limited(d, "attachment", limits.max_attachments)),
        image_url=_uri_or_none(n.pick_image_url(d.get("image")) or n.pick_image_url(d.get("icon"))),
        poll_options=options,
        poll_multiple=multiple,
        end_time=n.parse_datetime(d.get("endTime")),
        closed=closed_at is not None or d.get("closed") is True,
        closed_at=closed_at,
        voters_count=n.optional_int(n.get_term(d, "votersCount")),
        quote_url=_quote_url(d),
        context=_context(d),
    )


def parse_activity(doc: Any, *, limits: Limits = DEFAULT_LIMITS) -> Activity:
    """An activity envelope (Create, Follow, Like, EmojiReact, Announce…).

    Unknown activity types are accepted (the handler decides); actors,
    post-like objects and collections are refused so a mis-routed document
    fails here and not deep inside a handler. ``id`` is optional because
    GoToSocial sends Deletes without one; when present it must be on the
    host of ``actor``.
    """
    d = _start(doc, limits)
    kind = _require_type(d, None, "activity")
    if kind in ACTOR_TYPES or kind in OBJECT_TYPES or kind in COLLECTION_TYPES:
        raise MalformedActivity(f"{_clip(kind)} is not an activity")
    activity_id = _require_id(d) if d.get("id") is not None else None
    actor = n.ref_id(d.get("actor"))
    if not n.is_http_uri(actor):
        raise MalformedActivity("actor is missing or not an http(s) URI")
    if activity_id is not None and host_of(activity_id) != host_of(actor):
        # Otherwise a peer could mint ids on another server (ours included) and squat them. The host
        # alone is compared, as Mastodon does: some servers mix http and https in one document.
        raise MalformedActivity(f"activity id {_clip(activity_id)} is not on the host of its actor")
    objects = _limited(d, "object", limits.max_objects)
    if not objects and kind in OBJECT_REQUIRED:
        raise MalformedActivity(f"{kind} has no object")
    head = objects[0] if objects else None
    if head is not None and not (isinstance(head, Mapping) or n.is_http_uri(head)):
        raise MalformedActivity("object must be an http(s) URI or an embedded object")
    content = n.content_of(d)
    # Misskey sends its reaction as ``_misskey_reaction`` on a Like.
    reaction = d.get("_misskey_reaction")
    return Activity(
        type=kind,
        actor=actor,
        id=activity_id,
        object=head,
        object_ids=tuple(i for i in n.ref_ids(objects) if n.is_http_uri(i)),
        target=_ref_uri(d.get("target")),
        to=_audience(d, "to", limits),
        cc=_audience(d, "cc", limits),
        audience=_ref_uri(d.get("audience")),
        content=content if content is not None else (reaction if isinstance(reaction, str) else None),
        summary=_optional_text(d, "summary", limit=None),
        emojis=read_emojis(_limited(d, "tag", limits.max_tags)),
        published=n.parse_datetime(d.get("published")),
    )


def parse_any(doc: Any, *, limits: Limits = DEFAULT_LIMITS) -> RemoteActor | RemoteNote | Activity:
    """Route a document to the right parser by its ``type``."""
    # No limits walk here: the parser it routes to does that once.
    kind = doc.get("type") if isinstance(doc, Mapping) else None
    if not isinstance(kind, str):
        return parse_activity(doc, limits=limits)  # which reports what is wrong
    if kind in ACTOR_TYPES:
        return parse_actor(doc, limits=limits)
    if kind in OBJECT_TYPES:
        return parse_object(doc, limits=limits)
    return parse_activity(doc, limits=limits)


# -- required fields -------------------------------------------------------


def _start(doc: Any, limits: Limits) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise MalformedActivity(f"document must be a JSON object, not {type(doc).__name__}")
    check_limits(doc, limits)
    return doc


def _clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _require_type(d: Mapping[str, Any], allowed: frozenset[str] | None, what: str) -> str:
    kind = d.get("type")
    if kind is None:
        raise MalformedActivity("missing type")
    if not isinstance(kind, str):
        raise MalformedActivity(f"type must be a single string, got {type(kind).__name__}")
    if allowed is not None and kind not in allowed:
        raise MalformedActivity(f"unsupported {what} type {_clip(kind)}")
    return kind


def _require_id(d: Mapping[str, Any]) -> str:
    return _require_uri(d, "id")


def _require_uri(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    if value is None:
        raise MalformedActivity(f"missing {key}")
    if not isinstance(value, str):
        raise MalformedActivity(f"{key} must be a string, got {type(value).__name__}")
    if not n.is_http_uri(value):
        raise MalformedActivity(f"{key} is not an absolute http(s) URI: {_clip(value)}")
    return value


def _require_text(d: Mapping[str, Any], key: str) -> str:
    value = _optional_text(d, key)
    if not value:
        raise MalformedActivity(f"missing {key}")
    return value


def _optional_text(d: Mapping[str, Any], key: str, *, limit: int | None = _MAX_SHORT_TEXT) -> str | None:
    """A string property; null means absent, any other type is an error."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedActivity(f"{key} must be a string, got {type(value).__name__}")
    if limit is not None and len(value) > limit:
        raise MalformedActivity(f"{key} is longer than {limit} characters")
    return value


def _limited(d: Mapping[str, Any], key: str, limit: int) -> list[Any]:
    items = n.as_list(d.get(key))
    if len(items) > limit:
        raise MalformedActivity(f"{key} has {len(items)} entries, more than {limit}")
    return items


def _audience(d: Mapping[str, Any], key: str, limits: Limits) -> tuple[str, ...]:
    return n.audience(_limited(d, key, limits.max_recipients))


# -- optional parts --------------------------------------------------------


def _uri_or_none(value: Any) -> str | None:
    return value if n.is_http_uri(value) else None


def _ref_uri(value: Any) -> str | None:
    return _uri_or_none(n.ref_id(value))


def _public_key(value: Any, actor_id: str) -> tuple[str | None, str | None, str | None]:
    """(key id, PEM, owner) from ``publicKey``: an object, a list, or a bare key IRI."""
    if isinstance(value, str):
        return _uri_or_none(value), None, None
    keys = [key for key in n.as_list(value) if isinstance(key, Mapping)]
    if not keys:
        return None, None, None
    key = next((k for k in keys if n.ref_id(k.get("owner")) == actor_id), keys[0])
    pem = key.get("publicKeyPem")
    return _ref_uri(key.get("id")), pem if isinstance(pem, str) else None, _ref_uri(key.get("owner"))


def _quote_url(d: Mapping[str, Any]) -> str | None:
    # FEP-044f ``quote`` first, then Fedibird's ``quoteUri``, then Misskey's spellings.
    for key in ("quote", "quoteUri", "quoteUrl", "_misskey_quote"):
        found = _ref_uri(d.get(key))
        if found:
            return found
    return None


def _context(d: Mapping[str, Any]) -> str | None:
    # Mastodon's ``conversation`` is a ``tag:`` URI, so no http(s) check here.
    for key in ("context", "conversation"):
        found = n.ref_id(d.get(key))
        if found and len(found) <= n.MAX_URI_LENGTH:
            return found
    return None
