"""Render a status's plain text to HTML exactly as Mastodon 4.3 does.

A port of Mastodon's ``TextFormatter``: entities are linked, everything else
is HTML-escaped, and Rails' ``simple_format`` adds ``<p>`` and ``<br />``.
Clients and remote servers compare this markup with what Mastodon emits,
so byte-level fidelity matters more than elegance here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from activitypub.content._patterns import URL_PREFIX_RE
from activitypub.content.extract import (
    HashtagSpan,
    MentionSpan,
    UrlSpan,
    extract_entities,
)
from activitypub.content.hashtags import display_hashtag, normalize_hashtag

# Ruby's String#strip set; Mastodon strips status text before saving it.
_RUBY_WHITESPACE = " \t\n\v\f\r\x00"
_DISPLAY_LENGTH = 30
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


@dataclass(frozen=True, slots=True)
class MentionedAccount:
    """What the renderer needs of an account a mention resolved to."""

    id: str
    username: str
    acct: str
    """``username`` for local accounts, ``username@domain`` for remote ones."""
    url: str
    """The profile page the mention links to."""


@dataclass(frozen=True, slots=True)
class Hashtag:
    name: str
    """Normalised key for storage and lookup (see ``normalize_hashtag``)."""
    display: str
    """As first written in the text, for display."""


@dataclass(frozen=True, slots=True)
class RenderedContent:
    html: str
    mentions: tuple[MentionedAccount, ...]
    """Resolved accounts in order of first mention, each once."""
    tags: tuple[Hashtag, ...]
    """Linked hashtags in order of first use, each normalised name once."""
    links: tuple[str, ...]
    """Autolinked URLs in order, each once (for preview cards)."""


MentionResolver = Callable[[str, str | None], MentionedAccount | None]
"""``(username, domain or None) -> account or None``.

The resolver must treat the local domain like ``None`` and compare
usernames case-insensitively, as Mastodon does.
"""
AsyncMentionResolver = Callable[[str, str | None], Awaitable[MentionedAccount | None]]


def escape_html(text: str) -> str:
    """Escape like Ruby's ``ERB::Util.html_escape`` (note ``&#39;``)."""
    return text.translate(_ESCAPES)


def _link_to_url(url: str) -> str:
    prefix_match = URL_PREFIX_RE.match(url)
    prefix = prefix_match.group(0) if prefix_match else ""
    rest = url[len(prefix) :]
    display, suffix = rest[:_DISPLAY_LENGTH], rest[_DISPLAY_LENGTH:]
    css = "ellipsis" if len(rest) > _DISPLAY_LENGTH else ""
    return (
        f'<a href="{escape_html(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{escape_html(prefix)}</span>'
        f'<span class="{css}">{escape_html(display)}</span>'
        f'<span class="invisible">{escape_html(suffix)}</span></a>'
    )


def _link_to_hashtag(name: str, tag_base_url: str) -> str:
    href = f"{tag_base_url.rstrip('/')}/{quote(name, safe='')}"
    return f'<a href="{escape_html(href)}" class="mention hashtag" rel="tag">#<span>{escape_html(name)}</span></a>'


def _link_to_mention(account: MentionedAccount, with_domain: bool) -> str:
    shown = account.acct if with_domain else account.username
    return (
        f'<span class="h-card" translate="no"><a href="{escape_html(account.url)}" class="u-url mention">'
        f"@<span>{escape_html(shown)}</span></a></span>"
    )


def simple_format(html: str) -> str:
    """Rails' ``simple_format`` followed by Mastodon's removal of newlines."""
    paragraphs = re.split(r"\n\n+", re.sub(r"\r\n?", "\n", html))
    while paragraphs and paragraphs[-1] == "":
        paragraphs.pop()  # Ruby's String#split drops trailing empty fields
    body = "".join("<p>" + re.sub(r"([^\n]\n)(?=[^\n])", r"\1<br />", p) + "</p>" for p in paragraphs)
    return body.replace("\n", "")


def _ambiguous_usernames(accounts: Sequence[MentionedAccount]) -> set[str]:
    # Mastodon shows user@domain when two accounts in play share a username,
    # so "@alice" and "@alice@elsewhere" stay distinguishable.
    owners: dict[str, set[str]] = {}
    for account in accounts:
        owners.setdefault(account.username.lower(), set()).add(account.id)
    return {name for name, ids in owners.items() if len(ids) > 1}


def _mention_key(username: str, domain: str | None) -> tuple[str, str | None]:
    return username.lower(), domain.lower() if domain else None


def _resolve_all(
    spans: Sequence[MentionSpan], resolve: MentionResolver
) -> dict[MentionSpan, MentionedAccount | None]:
    # One resolver call per distinct account, however often it is mentioned.
    seen: dict[tuple[str, str | None], MentionedAccount | None] = {}
    for span in spans:
        key = _mention_key(span.username, span.domain)
        if key not in seen:
            seen[key] = resolve(span.username, span.domain)
    return {span: seen[_mention_key(span.username, span.domain)] for span in spans}


def render_status(
    text: str,
    *,
    resolve: MentionResolver,
    tag_base_url: str,
    author: MentionedAccount | None = None,
) -> RenderedContent:
    """Render plain status text; see ``RenderedContent`` for what comes back.

    ``tag_base_url`` is the tag page prefix, e.g. ``https://host/tags``.
    ``author`` only matters for telling apart a mentioned namesake.
    """
    text = text.strip(_RUBY_WHITESPACE)
    if not text or text.isspace():
        return RenderedContent("", (), (), ())
    entities = extract_entities(text)
    resolved = _resolve_all([e for e in entities if isinstance(e, MentionSpan)], resolve)
    mentions = tuple({a.id: a for a in resolved.values() if a is not None}.values())
    ambiguous = _ambiguous_usernames([*mentions, *([author] if author else [])])
    tags: dict[str, Hashtag] = {}
    links: dict[str, None] = {}
    pieces: list[str] = []
    position = 0
    for entity in entities:
        pieces.append(escape_html(text[position : entity.start]))
        position = entity.end
        if isinstance(entity, UrlSpan):
            html = _render_url(entity)
            if html.startswith("<a "):
                links.setdefault(entity.url)
            pieces.append(html)
        elif isinstance(entity, HashtagSpan):
            key = normalize_hashtag(entity.name)
            tags.setdefault(key, Hashtag(key, display_hashtag(entity.name)))
            pieces.append(_link_to_hashtag(entity.name, tag_base_url))
        else:
            account = resolved[entity]
            if account is None:
                pieces.append("@" + escape_html(entity.acct))
            else:
                pieces.append(_link_to_mention(account, account.username.lower() in ambiguous))
    pieces.append(escape_html(text[position:]))
    return RenderedContent(simple_format("".join(pieces)), mentions, tuple(tags.values()), tuple(links))


def _render_url(entity: UrlSpan) -> str:
    # A backslash in the host passes twitter-text but makes Addressable raise
    # in Mastodon, which then prints the URL as text.
    host = entity.url.split("://", 1)[-1].split("/", 1)[0]
    if "\\" in host:
        return escape_html(entity.url)
    return _link_to_url(entity.url)


async def render_status_async(
    text: str,
    *,
    resolve: AsyncMentionResolver,
    tag_base_url: str,
    author: MentionedAccount | None = None,
) -> RenderedContent:
    """``render_status`` with an async resolver, called once per distinct mention."""
    found: dict[tuple[str, str | None], MentionedAccount | None] = {}
    # Only mentions that will render are looked up: one inside a URL would
    # cost a WebFinger round trip for nothing.
    for mention in extract_entities(text.strip(_RUBY_WHITESPACE)):
        if not isinstance(mention, MentionSpan):
            continue
        key = _mention_key(mention.username, mention.domain)
        if key not in found:
            found[key] = await resolve(mention.username, mention.domain)

    def lookup(username: str, domain: str | None) -> MentionedAccount | None:
        return found.get(_mention_key(username, domain))

    return render_status(text, resolve=lookup, tag_base_url=tag_base_url, author=author)
