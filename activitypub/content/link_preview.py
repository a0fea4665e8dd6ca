"""Pure parsing for preview cards: the link a status would preview, and a page's OpenGraph/Twitter meta.

No I/O. ``first_link`` reads a status's rendered HTML the way Mastodon does:
the first web link that is not a mention or a hashtag. Links to this server
are never previewed (nothing of ours is fetched). ``parse_page`` reads
``<meta>`` tags with the standard library's ``html.parser``; nothing is
executed, and every value is plain text, trimmed and length-capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urljoin, urlsplit

MAX_TITLE: Final = 300
MAX_DESCRIPTION: Final = 1000
MAX_NAME: Final = 200
MAX_URL: Final = 2048
_SPACE: Final = re.compile(r"\s+")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LANGUAGE: Final = re.compile(r"\A[a-zA-Z]{2,3}\Z")


@dataclass(frozen=True, slots=True)
class PageMeta:
    title: str
    description: str
    image_url: str | None
    provider_name: str
    author_name: str
    width: int
    height: int
    language: str | None


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.username is None and len(url) <= MAX_URL


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = {name: value or "" for name, value in attrs}
        classes = values.get("class", "").split()
        if "mention" in classes or "hashtag" in classes or "tag" in values.get("rel", "").split():
            return
        href = values.get("href", "").strip()
        if href:
            self.links.append(href)


def first_link(content_html: str, own_host: str) -> str | None:
    """The URL a card would be made for, or None; links to ``own_host`` never count."""
    finder = _LinkFinder()
    finder.feed(content_html)
    finder.close()
    own = own_host.lower()
    for href in finder.links:
        host = urlsplit(href).netloc.lower()
        if _is_web(href) and host != own and not host.endswith("." + own):
            return href
    return None


class _MetaReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.language = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.language = values.get("lang", "")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < MAX_TITLE * 2:
            self.title += data


def clean(text: str, limit: int) -> str:
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()[:limit]


def _number(value: str) -> int:
    return int(value) if value.strip().isdigit() and len(value.strip()) < 6 else 0


def parse_page(html: str, page_url: str) -> PageMeta:
    """OpenGraph first, then Twitter cards, then plain HTML; relative image URLs resolved against ``page_url``."""
    reader = _MetaReader()
    reader.feed(html)
    reader.close()
    meta = reader.meta

    def first(*keys: str) -> str:
        return next((meta[key] for key in keys if meta.get(key, "").strip()), "")

    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src").strip()
    image_url = urljoin(page_url, image) if image else None
    language = reader.language.split("-", 1)[0]
    return PageMeta(
        title=clean(first("og:title", "twitter:title") or reader.title, MAX_TITLE),
        description=clean(first("og:description", "twitter:description", "description"), MAX_DESCRIPTION),
        image_url=image_url if image_url and _is_web(image_url) else None,
        provider_name=clean(first("og:site_name", "application-name"), MAX_NAME),
        author_name=clean(first("author", "twitter:creator"), MAX_NAME),
        width=_number(first("og:image:width")),
        height=_number(first("og:image:height")),
        language=language.lower() if _LANGUAGE.match(language) else None,
    )
