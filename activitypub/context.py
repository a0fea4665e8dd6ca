"""The JSON-LD ``@context`` values we put on the documents we serve.

Most fediverse software never runs a JSON-LD processor: it matches on the
compact term names. So we mirror what Mastodon 4.3 emits term for term
(``app/helpers/context_helper.rb``), which every peer already understands,
instead of inventing our own prefixes. Builders return fresh lists so a
caller that mutates one response cannot corrupt the next.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Final

AS_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT: Final = "https://w3id.org/security/v1"
PUBLIC: Final = "https://www.w3.org/ns/activitystreams#Public"

_TOOT: Final = "http://joinmastodon.org/ns#"

# Term groups keyed like Mastodon's CONTEXT_EXTENSION_MAP; several groups
# repeat the ``toot`` prefix because each must stand on its own when merged.
EXTENSIONS: Final[dict[str, dict[str, Any]]] = {
    "manually_approves_followers": {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers"},
    "sensitive": {"sensitive": "as:sensitive"},
    "hashtag": {"Hashtag": "as:Hashtag"},
    "moved_to": {"movedTo": {"@id": "as:movedTo", "@type": "@id"}},
    "also_known_as": {"alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"}},
    "emoji": {"toot": _TOOT, "Emoji": "toot:Emoji"},
    "featured": {
        "toot": _TOOT,
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    },
    "property_value": {
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
    },
    "atom_uri": {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri"},
    "conversation": {
        "ostatus": "http://ostatus.org#",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
    },
    "focal_point": {"toot": _TOOT, "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"}},
    "blurhash": {"toot": _TOOT, "blurhash": "toot:blurhash"},
    "discoverable": {"toot": _TOOT, "discoverable": "toot:discoverable"},
    "indexable": {"toot": _TOOT, "indexable": "toot:indexable"},
    "memorial": {"toot": _TOOT, "memorial": "toot:memorial"},
    "voters_count": {"toot": _TOOT, "votersCount": "toot:votersCount"},
    "suspended": {"toot": _TOOT, "suspended": "toot:suspended"},
    "attribution_domains": {
        "toot": _TOOT,
        "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
    },
}

# The extension sets Mastodon 4.3's serializers declare, per document kind.
ACTOR_EXTENSIONS: Final = (
    "manually_approves_followers",
    "featured",
    "also_known_as",
    "moved_to",
    "property_value",
    "discoverable",
    "suspended",
    "memorial",
    "indexable",
    "attribution_domains",
    "emoji",
)
NOTE_EXTENSIONS: Final = (
    "sensitive",
    "hashtag",
    "emoji",
    "focal_point",
    "blurhash",
    "voters_count",
    "conversation",
)


def build_context(extensions: Iterable[str], *, security: bool = True) -> list[Any]:
    """An ``@context`` array: the named contexts, then one merged term map.

    Raises KeyError for an unknown extension name: a typo here would silently
    ship a term peers cannot resolve.
    """
    terms: dict[str, Any] = {}
    for name in extensions:
        terms.update(copy.deepcopy(EXTENSIONS[name]))
    context: list[Any] = [AS_CONTEXT]
    if security:
        context.append(SECURITY_CONTEXT)
    if terms:
        context.append(terms)
    return context


def actor_context() -> list[Any]:
    """Context for a Person/Service/Group we serve (carries the publicKey)."""
    return build_context(ACTOR_EXTENSIONS)


def note_context() -> list[Any]:
    """Context for a Note/Question and for the Create/Update wrapping it."""
    return build_context(NOTE_EXTENSIONS)


def full_context() -> list[Any]:
    """Every term we know; for documents mixing actors and objects."""
    return build_context(EXTENSIONS)


def activity_context() -> list[Any]:
    """Context for bare activities (Follow, Like, Delete…): no extra terms needed.

    Mastodon still sends the security context so LD signatures resolve.
    """
    return build_context(())
