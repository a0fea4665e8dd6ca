"""Sanitise HTML from other fediverse servers to Mastodon 4.3's ``MASTODON_STRICT`` rules.

nh3 (ammonia over html5ever) does the parsing and the allow-listing, so the
output is well-formed and safe. A second, small pass over that output does
what ammonia cannot express: headings become ``<p><strong>``, and links
left without a usable ``href`` are unwrapped to their content.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em"}
    | {"ul", "ol", "li", "ruby", "rt", "rp"}
)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "class", "translate"}),
    "span": frozenset({"class", "translate"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
}
LINK_SCHEMES = frozenset(
    {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
)
# Sanitize's default remove_contents: elements whose text is never prose.
REMOVE_CONTENTS = frozenset(
    {"script", "style", "template", "iframe", "math", "noembed", "noframes", "noscript", "plaintext", "svg", "xmp"}
)
LINK_REL = "nofollow noopener"
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_VOID = frozenset({"br"})

_CLASS_SEPARATORS = re.compile(r"[\t\n\f\r ]")
_ALLOWED_CLASS = re.compile(r"^(?:(?:h|p|u|dt|e)-.*|mention|hashtag|ellipsis|invisible)$", re.DOTALL)
# Sanitize::REGEX_PROTOCOL; values reach us already entity-decoded.
_SCHEME = re.compile(r"\A\s*([^/#]*?):", re.IGNORECASE)


def _allowed_href(value: str) -> bool:
    # No scheme means a relative URL, which is meaningless away from its
    # origin server; Mastodon refuses those too.
    match = _SCHEME.match(value)
    return match is not None and match.group(1).lower() in LINK_SCHEMES


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        # Microformats and Mastodon's own link classes only; no styling hooks.
        return " ".join(c for c in _CLASS_SEPARATORS.split(value) if _ALLOWED_CLASS.match(c))
    if attr == "translate":
        return value if value == "no" else None
    if attr == "href":
        return value if _allowed_href(value) else None
    return value


class _Rewriter(HTMLParser):
    """Re-serialises nh3 output, renaming headings and unwrapping bare links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[bool] = []  # per open <a>: was it emitted?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS:
            self.out.append("<p><strong>")
        elif tag == "a" and not any(name == "href" for name, _ in attrs):
            self._links.append(False)
        elif tag in ALLOWED_TAGS:
            if tag == "a":
                self._links.append(True)
            self.out.append(_start_tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.out.append(_start_tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS:
            self.out.append("</strong></p>")
        elif tag == "a":
            if self._links and self._links.pop():
                self.out.append("</a>")
        elif tag in ALLOWED_TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    # Attribute names are re-checked here so that this pass can never emit
    # anything nh3 did not allow, whatever it parsed. Links get rel and
    # target last, in a fixed order, whatever the sender put there.
    allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
    rendered = "".join(
        f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs if name in allowed
    )
    if tag == "a":
        rendered += f' rel="{LINK_REL}" target="_blank"'
    return f"<{tag}{rendered}>"


def sanitize_remote_html(content: str) -> str:
    """Safe HTML for a remote post's ``content``, as Mastodon would store it."""
    cleaned = nh3.clean(
        content,
        tags=set(ALLOWED_TAGS | _HEADINGS),
        clean_content_tags=set(REMOVE_CONTENTS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=set(LINK_SCHEMES),
    )
    rewriter = _Rewriter()
    rewriter.feed(cleaned)
    rewriter.close()
    return "".join(rewriter.out)


def sanitize_plain(text: str) -> str:
    """Plain text with every tag stripped, e.g. for remote display names.

    The result is text, not HTML: entities are decoded, so it must be
    escaped again wherever it is put into markup.
    """
    stripped = nh3.clean(text, tags=set(), clean_content_tags=set(REMOVE_CONTENTS), attributes={}, link_rel=None)
    return html.unescape(stripped)
