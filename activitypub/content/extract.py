"""Find URLs, hashtags and mentions in a status's plain text.

This mirrors Mastodon's ``Extractor`` (twitter-text plus Mastodon's own
mention and hashtag rules). Offsets are Python string indices, which are
code points, the same unit Ruby's ``char_begin`` counts in.
"""

from __future__ import annotations

from dataclasses import dataclass

from activitypub.content._patterns import END_MENTION_RE, hashtag_re, mention_re, url_re

# twitter-text refuses URLs longer than this once the host is punycoded.
MAX_URL_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class UrlSpan:
    start: int
    end: int
    url: str


@dataclass(frozen=True, slots=True)
class HashtagSpan:
    start: int
    end: int
    name: str
    """The tag as written, without the ``#``."""


@dataclass(frozen=True, slots=True)
class MentionSpan:
    start: int
    end: int
    username: str
    domain: str | None

    @property
    def acct(self) -> str:
        """``user`` or ``user@domain``, as written after the ``@``."""
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


Entity = UrlSpan | HashtagSpan | MentionSpan


def _host_fits(url: str, domain: str) -> bool:
    # twitter-text punycodes the host and rejects it when that fails or the
    # URL grows too long; a host that IDNA cannot encode would not resolve.
    try:
        encoded = domain.encode("idna")
    except UnicodeError:
        return False
    return len(url) + max(0, len(encoded) - len(domain)) <= MAX_URL_LENGTH


def extract_urls(text: str) -> list[UrlSpan]:
    """Every http(s) URL Mastodon would autolink, in order."""
    # Only URLs with a scheme are kept, so without "://" there is nothing to
    # find; this also skips the costly scan of long dotted text.
    if "://" not in text:
        return []
    spans: list[UrlSpan] = []
    for match in url_re().finditer(text):
        url, protocol, domain = match.group(2), match.group(3), match.group(4)
        if not protocol or not _host_fits(url, domain):
            continue
        spans.append(UrlSpan(match.start(2), match.end(2), url))
    return spans


def extract_hashtags(text: str) -> list[HashtagSpan]:
    """Every ``#tag``, in order, including ones a URL will later swallow."""
    if "#" not in text:
        return []
    spans: list[HashtagSpan] = []
    for match in hashtag_re().finditer(text):
        name, end = match.group(1), match.end(1)
        # "#foohttps://..." is a tag followed by a URL, not a tag "foohttps".
        if text.startswith("://", end):
            for scheme in ("https", "http"):
                if name.endswith(scheme) and len(name) > len(scheme):
                    name, end = name[: -len(scheme)], end - len(scheme)
                    break
        spans.append(HashtagSpan(match.start(1) - 1, end, name))
    return spans


def extract_mentions(text: str) -> list[MentionSpan]:
    """Every ``@user`` or ``@user@domain``, in order, duplicates included."""
    if "@" not in text and "\uff20" not in text:
        return []
    spans: list[MentionSpan] = []
    for match in mention_re().finditer(text):
        if END_MENTION_RE.match(text, match.end()):
            continue
        username, _, domain = match.group(1).partition("@")
        spans.append(MentionSpan(match.start(1) - 1, match.end(1), username, domain or None))
    return spans


def extract_entities(text: str) -> list[Entity]:
    """All entities, without overlaps: on a clash the one starting first wins."""
    found: list[Entity] = [*extract_urls(text), *extract_hashtags(text), *extract_mentions(text)]
    found.sort(key=lambda entity: entity.start)
    kept: list[Entity] = []
    for entity in found:
        if kept and kept[-1].end > entity.start:
            continue
        kept.append(entity)
    return kept
