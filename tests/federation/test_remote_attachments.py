"""The pure mapping of a remote Note's attachments to rows, read from real Note documents."""

from __future__ import annotations

import itertools
import json

from activitypub.parse import parse_object
from activitypub.vocab import Attachment
from federation.handlers.attachments import (
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    media_kind,
    plain_description,
    remote_attachment,
    remote_attachments,
)
from tests.fixtures_path import REMOTE_FIXTURES as FIXTURES


def test_a_mastodon_note_with_an_image_becomes_one_image_row() -> None:
    activity = json.loads((FIXTURES / "mastodon" / "create-note-attachment.json").read_text())
    note = parse_object(activity["object"])

    rows = remote_attachments(note.attachments, lambda: "tok")

    assert len(rows) == 1
    row = rows[0]
    assert row.type == "image" and row.mime_type == "image/jpeg" and row.token == "tok"
    assert row.url.endswith("/334ce029e7bfb920.jpg") and row.host == "mastodon.example.org"
    assert row.description is None and row.focus == (0.0, 0.0) and row.meta == {}


def test_fields_of_the_document_are_kept_and_cleaned() -> None:
    attachment = Attachment(url="https://cdn.example/a.png", media_type="image/png", description="  Alt\x00 text ",
                            blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj", focal_point=(0.1, -0.9), width=300, height=200)

    row = remote_attachment(attachment, "t")

    assert row is not None and row.description == "Alt text" and row.focus == (0.1, -0.9)
    assert row.blurhash == "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
    assert row.meta == {"original": {"width": 300, "height": 200, "size": "300x200", "aspect": 1.5}}


def test_bad_blurhash_and_long_descriptions_are_not_passed_on() -> None:
    attachment = Attachment(url="https://cdn.example/a.png", media_type="image/png", description="x" * 5000,
                            blurhash="<script>")
    row = remote_attachment(attachment, "t")
    assert row is not None and row.blurhash is None and row.description == "x" * MAX_DESCRIPTION


def test_links_and_non_web_urls_are_no_media() -> None:
    assert remote_attachment(Attachment(url="https://lemmy.example/post", type="Link"), "t") is None
    assert remote_attachment(Attachment(url="ftp://cdn.example/a.png", media_type="image/png"), "t") is None
    assert remote_attachment(Attachment(url="data:image/png;base64,AAAA", media_type="image/png"), "t") is None


def test_types_follow_the_media_type() -> None:
    assert media_kind("image/webp", "Document") == "image"
    assert media_kind(None, "Image") == "image"
    assert media_kind("video/mp4", "Document") == "unknown"
    assert media_kind("audio/ogg", "Audio") == "unknown"
    assert media_kind(None, "Document") == "unknown"
    assert plain_description("") is None and plain_description("   ") is None


def test_each_attachment_gets_its_own_token_and_only_the_first_few_are_kept() -> None:
    numbers = itertools.count(1)
    items = [Attachment(url=f"https://cdn.example/{n}.png", media_type="image/png") for n in range(10)]

    rows = remote_attachments(items, lambda: f"token-{next(numbers)}")

    assert len(rows) == MAX_ATTACHMENTS
    assert [row.token for row in rows] == [f"token-{n}" for n in range(1, MAX_ATTACHMENTS + 1)]
    assert [row.url for row in rows] == [f"https://cdn.example/{n}.png" for n in range(MAX_ATTACHMENTS)]
