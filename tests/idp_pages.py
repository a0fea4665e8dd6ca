"""The forms and the texts of an HTML page, read as a browser would submit them (stdlib only).

The test IdP's pages (tests/idp/README.md) give every form and every message an id:
``parse_page(html).forms["login-form"]`` is the login form, with its action, method and the
values of its named inputs; ``parse_page(html).texts["login-error"]`` is the text of the
element with that id; ``.links`` the href of every link with an id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    id: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class Page(HTMLParser):
    """The forms of a page (by id) and the text of every element with an id."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, Form] = {}
        self.texts: dict[str, str] = {}
        self.links: dict[str, str] = {}  # the href of every <a> with an id
        self._form: Form | None = None
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements we are inside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(attributes.get("id", ""), attributes.get("action", ""), attributes.get("method", "get"))
            self.forms[self._form.id] = self._form
        elif tag == "a" and attributes.get("id") and "href" in attributes:
            self.links[attributes["id"]] = attributes["href"]
        elif tag == "input" and self._form is not None and "name" in attributes:
            self._form.fields[attributes["name"]] = attributes.get("value", "")
        if tag not in self.VOID:
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.texts.setdefault(attributes["id"], "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id] += data


def parse_page(html: str) -> Page:
    parser = Page()
    parser.feed(html)
    parser.close()
    return parser
