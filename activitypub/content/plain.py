"""Turn status HTML back into plain text, as Mastodon's ``PlainTextFormatter`` does.

Used for Web Push and notification bodies and for indexing remote posts,
where markup is noise but line structure still helps.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Ending one of these starts a new line; Mastodon only does it for </p>, but
# remote servers also send lists, quotes and headings.
_BLOCKS = frozenset(
    {"p", "div", "blockquote", "pre", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
)
_HIDDEN = frozenset({"script", "style", "template"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag == "br" and not self._hidden_depth:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._hidden_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS and not self._hidden_depth:
            self._newline()

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def plain_text_from_html(html: str) -> str:
    """Text of ``html``: tags dropped, entities decoded, ``<br>`` and block ends as newlines.

    Link text is kept whole, so a Mastodon-shortened URL comes back in full
    (its hidden ``https://`` and tail spans are text like any other).
    """
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "".join(collector.parts).strip()
