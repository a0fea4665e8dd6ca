"""The sanitiser against real content from other fediverse servers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from activitypub.content import plain_text_from_html, sanitize_remote_html

_ON_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def _contents(document: Any) -> list[str]:
    """``content`` of the document and of its embedded ``object``, when strings."""
    found: list[str] = []
    for node in (document, document.get("object") if isinstance(document, dict) else None):
        if isinstance(node, dict) and isinstance(node.get("content"), str):
            found.append(node["content"])
    return found


def _remote_contents(fixtures_dir: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for path in sorted((fixtures_dir / "remote").rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # not every fixture is meant to parse
        pairs.extend((str(path.relative_to(fixtures_dir)), content) for content in _contents(document))
    return pairs


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_fixtures_have_content(fixtures_dir: Path) -> None:
    assert len(_remote_contents(fixtures_dir)) >= 20


def test_every_remote_content_sanitises_safely(fixtures_dir: Path) -> None:
    for name, content in _remote_contents(fixtures_dir):
        clean = sanitize_remote_html(content)
        assert "<script" not in clean.lower(), name
        assert not _ON_ATTRIBUTE.search(clean), name
        assert not _STYLE_ATTRIBUTE.search(clean), name
        assert sanitize_remote_html(clean) == clean, name


def test_every_remote_content_keeps_its_visible_text(fixtures_dir: Path) -> None:
    for name, content in _remote_contents(fixtures_dir):
        # What a reader sees, minus scripts and styles, must survive.
        visible = plain_text_from_html(content)
        kept = plain_text_from_html(sanitize_remote_html(content))
        assert _words(kept) == _words(visible), name


def test_chat_message_script_is_removed_with_its_content(fixtures_dir: Path) -> None:
    document = json.loads((fixtures_dir / "remote/akkoma/create-chatmessage.json").read_text(encoding="utf-8"))
    content = document["object"]["content"]
    assert "<script>" in content
    clean = sanitize_remote_html(content)
    assert clean == "You expected a cute girl? Too bad. "
    assert "alert" not in clean


@pytest.mark.parametrize(
    ("fixture", "expected_fragment"),
    [
        ("remote/mastodon/create-note-hashtag.json", 'class="u-url mention"'),
        ("remote/friendica/note.json", 'class="mention hashtag"'),
        ("remote/gotosocial/note-mention-reply.json", 'class="h-card"'),
    ],
)
def test_microformats_survive(fixtures_dir: Path, fixture: str, expected_fragment: str) -> None:
    document = json.loads((fixtures_dir / fixture).read_text(encoding="utf-8"))
    (content,) = _contents(document)[-1:]
    assert expected_fragment in sanitize_remote_html(content)


def test_nodebb_heading_becomes_strong_paragraph(fixtures_dir: Path) -> None:
    document = json.loads((fixtures_dir / "remote/nodebb/article-topic.json").read_text(encoding="utf-8"))
    (content,) = _contents(document)[-1:]
    clean = sanitize_remote_html(content)
    assert clean.startswith("<p><strong>Welcome to your brand new NodeBB forum!</strong></p>")
    assert "<h3" not in clean
