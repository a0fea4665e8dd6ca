"""The words of each mail: a subject, a plain-text part and an HTML part, from jinja2 templates.

The HTML templates are autoescaped; a post's HTML enters only through
``sanitize_remote_html`` (our own posts are rendered by us, a remote one
came from outside: both pass the same allowlist), wrapped in ``Markup``.
The text part uses the post's plain text. Mails are in English: the web
app's catalogs translate its pages, not these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from activitypub.content.plain import plain_text_from_html
from activitypub.content.sanitize import sanitize_remote_html
from storage.models import Account, Status

# A mail shows a post's beginning; the link opens the rest.
TEXT_LIMIT = 2_000


@dataclass(frozen=True, slots=True)
class Written:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class MailPost:
    author_name: str
    author_acct: str
    spoiler: str
    text: str
    html: Markup
    url: str
    score: int = 0


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("server.services.mail", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class MailWriter:
    def __init__(self, base_url: str, organisation: str) -> None:
        self._base = base_url.rstrip("/")
        self._organisation = organisation

    def post(self, status: Status, author: Account, score: int = 0) -> MailPost:
        text = plain_text_from_html(status.content) or status.text
        if len(text) > TEXT_LIMIT:
            text = text[: TEXT_LIMIT - 1].rstrip() + "…"
        return MailPost(author.display_name or author.username, author.acct, status.spoiler_text, text,
                        Markup(sanitize_remote_html(status.content)), self.status_url(author, status), score)

    def status_url(self, author: Account, status: Status) -> str:
        return f"{self._base}/@{author.acct}/{status.id}"

    def _render(self, name: str, subject: str, unsubscribe_url: str, **context: Any) -> Written:
        env = environment()
        shared = {"subject": subject, "organisation": self._organisation, "unsubscribe_url": unsubscribe_url,
                  "settings_url": f"{self._base}/settings/email", "notifications_url": f"{self._base}/notifications",
                  "base_url": self._base, **context}
        return Written(subject, env.get_template(f"{name}.txt").render(**shared),
                       env.get_template(f"{name}.html").render(**shared))

    def mention(self, post: MailPost, *, direct: bool, unsubscribe_url: str) -> Written:
        if direct:
            headline = f"{post.author_name} sent you a direct message"
        else:
            headline = f"{post.author_name} mentioned you"
        return self._render("mention", headline, unsubscribe_url, headline=headline, post=post)

    def decision(self, post: MailPost, headline: str, reason: str | None, *, unsubscribe_url: str) -> Written:
        return self._render("decision", headline, unsubscribe_url, headline=headline, post=post,
                            reason=(reason or "").strip())

    def important(self, post: MailPost, *, unsubscribe_url: str) -> Written:
        headline = f"Important from {post.author_name}"
        subject = f"{headline}: {_one_line(post.spoiler or post.text, 80)}"
        return self._render("important", subject, unsubscribe_url, headline=headline, post=post)

    def digest(self, posts: Sequence[MailPost], *, unsubscribe_url: str) -> Written:
        headline = f"This week at {self._organisation}: {len(posts)} posts people talked about"
        return self._render("digest", headline, unsubscribe_url, headline=headline, posts=posts)

    def test(self, server: str) -> Written:
        subject = f"Test mail from {self._organisation}"
        env = environment()
        context = {"subject": subject, "organisation": self._organisation, "base_url": self._base, "server": server}
        return Written(subject, env.get_template("test.txt").render(**context),
                       env.get_template("test.html").render(**context))
