"""A remote Note's attachments as rows to store: a pure mapping, no I/O.

Only the document is believed here: the type comes from ``mediaType``, the
size from ``width``/``height``, and nothing is fetched. Every attachment gets
its own fresh capability token, under which the proxy serves it later
(``/media/proxy/<token>/...``), so clients never load the partner's URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from activitypub.vocab import Attachment
from storage.remote_media import NewRemoteAttachment

MAX_ATTACHMENTS: Final = 4  # what Mastodon shows of a remote post
MAX_DESCRIPTION: Final = 1500  # Mastodon's MAX_DESCRIPTION_LENGTH, as for uploads
# Base83, Mastodon's blurhash check; anything else is dropped rather than handed to clients.
_BLURHASH: Final = re.compile(r"\A[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}\Z")
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def media_kind(media_type: str | None, as_type: str) -> str:
    """Mastodon's attachment type: images are images; video and audio we cannot re-encode, so 'unknown'."""
    family = (media_type or "").split("/", 1)[0].lower()
    if family == "image" or (not media_type and as_type == "Image"):
        return "image"
    return "unknown"


def plain_description(text: str | None) -> str | None:
    """Alt text is plain text: control characters dropped, whitespace trimmed, length capped."""
    if not text:
        return None
    cleaned = _CONTROL.sub("", text).strip()
    return cleaned[:MAX_DESCRIPTION] or None


def _meta(attachment: Attachment) -> dict[str, Any]:
    if not (attachment.width and attachment.height):
        return {}
    width, height = attachment.width, attachment.height
    return {"original": {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}}


def remote_attachment(attachment: Attachment, token: str) -> NewRemoteAttachment | None:
    """One attachment as a row, or None for what is no medium (a Link, a non-web URL)."""
    parts = urlsplit(attachment.url)
    if attachment.type == "Link" or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    blurhash = attachment.blurhash if attachment.blurhash and _BLURHASH.match(attachment.blurhash) else None
    return NewRemoteAttachment(
        token=token, type=media_kind(attachment.media_type, attachment.type), url=attachment.url,
        host=parts.hostname.lower(), mime_type=(attachment.media_type or None),
        description=plain_description(attachment.description), focus=attachment.focal_point or (0.0, 0.0),
        blurhash=blurhash, meta=_meta(attachment),
    )


def remote_attachments(
    attachments: Sequence[Attachment], new_token: Callable[[], str]
) -> list[NewRemoteAttachment]:
    """The first few media of a Note, in order; ``new_token`` makes one capability token each."""
    found = []
    for attachment in attachments:
        row = remote_attachment(attachment, new_token())
        if row is not None:
            found.append(row)
        if len(found) == MAX_ATTACHMENTS:
            break
    return found
