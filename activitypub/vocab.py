"""Plain, frozen records of what we read from other servers.

These are the *only* shapes the rest of Insideout sees of remote
ActivityStreams data: every quirk is resolved before a record is built, so
consumers never test ``isinstance(x, list)`` again. Optional data is ``None``
or empty; required data (ids, actor, inbox) is always present and valid.
``activitypub.parse`` checks the required parts strictly; the ``read_*``
functions at the bottom read the optional parts leniently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from activitypub import normalize as n
from activitypub.context import PUBLIC

# Kinds the parsers accept. Kept here so routing code can ask "is this an
# actor?" without importing the parser.
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
# Note-like objects we can show as a post. ChatMessage is Pleroma's DM kind.
OBJECT_TYPES = frozenset(
    {"Note", "Article", "Page", "Question", "Video", "Audio", "Image", "Event", "ChatMessage"}
)
BOT_TYPES = frozenset({"Service", "Application"})


@dataclass(frozen=True, slots=True)
class Field:
    """A profile metadata row (schema.org PropertyValue); ``value`` is HTML."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Emoji:
    """A custom emoji; ``shortcode`` has its surrounding colons removed."""

    shortcode: str
    icon_url: str
    id: str | None = None
    media_type: str | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    href: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Hashtag:
    """A hashtag; ``name`` has the leading ``#`` removed, case as sent."""

    name: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A media attachment; ``description`` is the alt text."""

    url: str
    type: str = "Document"
    media_type: str | None = None
    description: str | None = None
    blurhash: str | None = None
    focal_point: tuple[float, float] | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class PollOption:
    name: str
    votes: int = 0


@dataclass(frozen=True, slots=True)
class Multikey:
    """A FEP-521a ``assertionMethod`` key (Mitra, Fedify); decoding is the signer's job."""

    id: str
    controller: str | None
    public_key_multibase: str


@dataclass(frozen=True, slots=True)
class RemoteActor:
    id: str
    type: str
    preferred_username: str
    inbox: str
    name: str | None = None
    summary: str | None = None
    url: str | None = None
    shared_inbox: str | None = None
    outbox: str | None = None
    followers: str | None = None
    following: str | None = None
    featured: str | None = None
    public_key_id: str | None = None
    public_key_pem: str | None = None
    # Not checked against ``id`` here: whether a foreign owner is acceptable
    # is the signature verifier's call, and it needs to see the mismatch.
    public_key_owner: str | None = None
    multikeys: tuple[Multikey, ...] = ()
    manually_approves_followers: bool = False
    discoverable: bool | None = None
    indexable: bool | None = None
    icon_url: str | None = None
    image_url: str | None = None
    fields: tuple[Field, ...] = ()
    also_known_as: tuple[str, ...] = ()
    moved_to: str | None = None
    published: datetime | None = None
    emojis: tuple[Emoji, ...] = ()

    @property
    def bot(self) -> bool:
        """Mastodon shows Service/Application actors as bots; so do we."""
        return self.type in BOT_TYPES

    @property
    def group(self) -> bool:
        return self.type == "Group"


@dataclass(frozen=True, slots=True)
class RemoteNote:
    id: str
    type: str
    attributed_to: str
    content_html: str = ""
    # PeerTube sends Markdown in ``content``; consumers must not treat it as HTML.
    content_media_type: str = "text/html"
    name: str | None = None
    summary: str | None = None
    sensitive: bool = False
    language: str | None = None
    in_reply_to: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    url: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    audience: str | None = None
    mentions: tuple[Mention, ...] = ()
    hashtags: tuple[Hashtag, ...] = ()
    emojis: tuple[Emoji, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # Preview picture: Lemmy's link thumbnail (``image``), PeerTube's (``icon``).
    image_url: str | None = None
    poll_options: tuple[PollOption, ...] = ()
    poll_multiple: bool = False
    end_time: datetime | None = None
    closed: bool = False
    closed_at: datetime | None = None
    voters_count: int | None = None
    quote_url: str | None = None
    context: str | None = None

    @property
    def is_public(self) -> bool:
        """Addressed to the Public collection (parsers canonicalise its spellings)."""
        return _public(self.to, self.cc)

    @property
    def is_poll(self) -> bool:
        return bool(self.poll_options)


@dataclass(frozen=True, slots=True)
class Activity:
    """An activity envelope; the object stays raw until the handler parses it.

    ``object`` is the first object: an IRI or the embedded document (a
    read-only mapping). ``object_ids`` lists every object IRI, which is what
    Flag (several reported objects) needs.
    """

    type: str
    actor: str
    id: str | None = None
    object: str | Mapping[str, Any] | None = None
    object_ids: tuple[str, ...] = ()
    target: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    audience: str | None = None
    content: str | None = None
    summary: str | None = None
    emojis: tuple[Emoji, ...] = ()
    published: datetime | None = None

    @property
    def object_id(self) -> str | None:
        return self.object_ids[0] if self.object_ids else None

    @property
    def embedded_object(self) -> Mapping[str, Any] | None:
        """The embedded object document, if the sender inlined one."""
        return self.object if isinstance(self.object, Mapping) else None

    @property
    def is_public(self) -> bool:
        return _public(self.to, self.cc)


def _public(to: tuple[str, ...], cc: tuple[str, ...]) -> bool:
    # A plain membership test is enough: the parsers canonicalise
    # ``as:Public``/``Public`` to the full IRI before building these records.
    return PUBLIC in to or PUBLIC in cc


# -- lenient readers for the parts of a document ---------------------------
# Each takes the raw list a property held and skips entries it cannot use:
# one broken emoji or attachment should not cost the whole post. Counting
# entries against the limits is the caller's (``activitypub.parse``) job.


def _uri(value: Any) -> str | None:
    return value if n.is_http_uri(value) else None


def _text(*values: Any) -> str | None:
    return next((v for v in values if isinstance(v, str) and v), None)


def read_multikeys(value: Any) -> tuple[Multikey, ...]:
    """FEP-521a keys from ``assertionMethod``; a DID or non-Multikey entry is skipped."""
    keys = []
    for item in n.as_list(value)[:16]:
        if not isinstance(item, Mapping) or item.get("type") != "Multikey":
            continue
        key_id, material = item.get("id"), item.get("publicKeyMultibase")
        if n.is_http_uri(key_id) and isinstance(material, str):
            controller = _uri(n.ref_id(item.get("controller")))
            keys.append(Multikey(id=key_id, controller=controller, public_key_multibase=material))
    return tuple(keys)


def read_fields(items: list[Any]) -> tuple[Field, ...]:
    """Profile fields: the PropertyValue entries of an actor's ``attachment``."""
    return tuple(
        Field(name=item["name"], value=item["value"])
        for item in items
        if isinstance(item, Mapping)
        and item.get("type") == "PropertyValue"
        and isinstance(item.get("name"), str)
        and isinstance(item.get("value"), str)
    )


def read_emojis(tags: list[Any]) -> tuple[Emoji, ...]:
    emojis = []
    for tag in tags:
        if not isinstance(tag, Mapping) or tag.get("type") != "Emoji" or not isinstance(tag.get("name"), str):
            continue
        shortcode = tag["name"].strip(":")
        icon = n.first(tag.get("icon"))
        icon_url = _uri(n.pick_image_url(icon))
        if not (shortcode and icon_url):
            continue
        media_type = icon.get("mediaType") if isinstance(icon, Mapping) else None
        emojis.append(
            Emoji(
                shortcode=shortcode,
                icon_url=icon_url,
                id=_uri(n.ref_id(tag.get("id"))),
                media_type=media_type if isinstance(media_type, str) else None,
                updated=n.parse_datetime(tag.get("updated")),
            )
        )
    return tuple(emojis)


def read_mentions(tags: list[Any]) -> tuple[Mention, ...]:
    return tuple(
        Mention(href=tag["href"], name=_text(tag.get("name")))
        for tag in tags
        if isinstance(tag, Mapping) and tag.get("type") == "Mention" and n.is_http_uri(tag.get("href"))
    )


def read_hashtags(tags: list[Any]) -> tuple[Hashtag, ...]:
    found = []
    for tag in tags:
        if isinstance(tag, Mapping) and tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str):
            name = tag["name"].lstrip("#")
            if name:
                found.append(Hashtag(name=name, href=_uri(tag.get("href"))))
    return tuple(found)


def read_attachments(items: list[Any]) -> tuple[Attachment, ...]:
    found = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        # Lemmy sends link posts as ``{"type": "Link", "href": ...}``.
        url = _uri(n.pick_url(item.get("url"), prefer=None) or n.ref_id(item.get("href")))
        if url is None:
            continue
        kind, media_type = item.get("type"), item.get("mediaType", item.get("mimeType"))
        blurhash = item.get("blurhash")
        found.append(
            Attachment(
                url=url,
                type=kind if isinstance(kind, str) else "Document",
                media_type=media_type if isinstance(media_type, str) else None,
                # GoToSocial puts alt text in ``summary``; everyone else in ``name``.
                description=_text(item.get("name"), item.get("summary")),
                blurhash=blurhash if isinstance(blurhash, str) and len(blurhash) <= 256 else None,
                focal_point=_focal_point(item.get("focalPoint")),
                width=n.optional_int(item.get("width"), minimum=1),
                height=n.optional_int(item.get("height"), minimum=1),
            )
        )
    return tuple(found)


def _focal_point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v <= 1 for v in value):
        return None
    return float(value[0]), float(value[1])


def read_poll(one_of: list[Any], any_of: list[Any]) -> tuple[tuple[PollOption, ...], bool]:
    """Options from ``oneOf`` (single choice) or ``anyOf`` (multiple choice).

    Akkoma sends an empty ``anyOf`` next to a full ``oneOf``; the non-empty
    one decides. Returns the options and whether several may be chosen.
    """
    multiple = bool(any_of) and not one_of
    options = []
    for item in any_of if multiple else one_of:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        replies = item.get("replies")
        total = replies.get("totalItems") if isinstance(replies, Mapping) else None
        options.append(PollOption(name=item["name"], votes=n.optional_int(total) or 0))
    return tuple(options), multiple
