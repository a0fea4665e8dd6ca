"""The nomination hashtag leaves the published text cleanly, whatever its place and case."""

from __future__ import annotations

import pytest

from server.services.nomination_tag import strip_hashtag


def tag(name: str) -> str:
    return f'<a href="https://social.example.com/tags/{name}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'


@pytest.mark.parametrize(("html", "expected"), [
    (f"<p>Launch day! {tag('outside')}</p>", "<p>Launch day!</p>"),
    (f"<p>{tag('Outside')} Launch day!</p>", "<p>Launch day!</p>"),
    (f"<p>Launch {tag('outside')} day</p>", "<p>Launch day</p>"),
    (f"<p>{tag('news')} {tag('outside')} {tag('launch')}</p>", f"<p>{tag('news')} {tag('launch')}</p>"),
    (f"<p>Hello</p><p>{tag('OUTSIDE')}</p>", "<p>Hello</p>"),
    (f"<p>Hello<br>{tag('outside')}</p>", "<p>Hello</p>"),
    (f"<p>{tag('outsider')} stays</p>", f"<p>{tag('outsider')} stays</p>"),
    ("<p>#outside as plain text is not a link</p>", "<p>#outside as plain text is not a link</p>"),
])
def test_strip_hashtag(html: str, expected: str) -> None:
    assert strip_hashtag(html, "outside") == expected
