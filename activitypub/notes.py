"""The Note outsiders see: the approved revision of a published status, nothing internal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from activitypub.context import PUBLIC, note_context


def as_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class OutsideMention:
    href: str
    name: str


@dataclass(frozen=True, slots=True)
class OutsideAttachment:
    url: str
    media_type: str
    description: str | None
    blurhash: str | None
    width: int | None
    height: int | None
    focal_point: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class PublishedNote:
    """Everything a Note carries; built by the publication layer, which decides what is outside."""

    uri: str
    url: str
    author_uri: str
    author_followers: str
    content: str
    summary: str | None
    sensitive: bool
    language: str | None
    published: datetime
    updated: datetime | None
    unlisted: bool
    in_reply_to: str | None
    conversation: str | None
    mentions: Sequence[OutsideMention] = ()
    hashtags: Sequence[tuple[str, str]] = ()
    attachments: Sequence[OutsideAttachment] = field(default=())
    replies_count: int = 0


def note_document(note: PublishedNote) -> dict[str, Any]:
    to, cc = ([note.author_followers], [PUBLIC]) if note.unlisted else ([PUBLIC], [note.author_followers])
    cc = [*cc, *(mention.href for mention in note.mentions)]
    document: dict[str, Any] = {
        "@context": note_context(),
        "id": note.uri,
        "type": "Note",
        "summary": note.summary or None,
        "inReplyTo": note.in_reply_to,
        "published": as_time(note.published),
        "url": note.url,
        "attributedTo": note.author_uri,
        "to": to,
        "cc": cc,
        "sensitive": note.sensitive,
        "atomUri": note.uri,
        "inReplyToAtomUri": note.in_reply_to,
        "conversation": note.conversation,
        "content": note.content,
        "contentMap": {note.language: note.content} if note.language else None,
        "attachment": [_attachment(item) for item in note.attachments],
        "tag": [
            *({"type": "Mention", "href": m.href, "name": m.name} for m in note.mentions),
            *({"type": "Hashtag", "href": href, "name": f"#{name}"} for name, href in note.hashtags),
        ],
        "replies": {
            "id": f"{note.uri}/replies",
            "type": "Collection",
            "first": {"type": "CollectionPage", "next": f"{note.uri}/replies?only_other_accounts=true&page=true",
                      "partOf": f"{note.uri}/replies", "items": []},
        },
        "likes": {"id": f"{note.uri}/likes", "type": "Collection"},
        "shares": {"id": f"{note.uri}/shares", "type": "Collection"},
    }
    if note.updated is not None:
        document["updated"] = as_time(note.updated)
    return {key: value for key, value in document.items() if value is not None}


def _attachment(item: OutsideAttachment) -> dict[str, Any]:
    attachment: dict[str, Any] = {
        "type": "Document",
        "mediaType": item.media_type,
        "url": item.url,
        "name": item.description,
        "blurhash": item.blurhash,
        "focalPoint": list(item.focal_point),
    }
    if item.width and item.height:
        attachment.update(width=item.width, height=item.height)
    return attachment
