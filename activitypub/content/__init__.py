"""The pure text pipeline: local plain text to Mastodon-identical HTML, remote HTML to safe HTML.

Nothing here does I/O; mention lookups come in as a callback.
"""

from __future__ import annotations

from activitypub.content.extract import (
    Entity,
    HashtagSpan,
    MentionSpan,
    UrlSpan,
    extract_entities,
    extract_hashtags,
    extract_mentions,
    extract_urls,
)
from activitypub.content.hashtags import display_hashtag, normalize_hashtag
from activitypub.content.plain import plain_text_from_html
from activitypub.content.render import (
    AsyncMentionResolver,
    Hashtag,
    MentionedAccount,
    MentionResolver,
    RenderedContent,
    escape_html,
    render_status,
    render_status_async,
)
from activitypub.content.sanitize import sanitize_plain, sanitize_remote_html

__all__ = [
    "AsyncMentionResolver",
    "Entity",
    "Hashtag",
    "HashtagSpan",
    "MentionResolver",
    "MentionSpan",
    "MentionedAccount",
    "RenderedContent",
    "UrlSpan",
    "display_hashtag",
    "escape_html",
    "extract_entities",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "normalize_hashtag",
    "plain_text_from_html",
    "render_status",
    "render_status_async",
    "sanitize_plain",
    "sanitize_remote_html",
]
