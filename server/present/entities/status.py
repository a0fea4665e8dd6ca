"""Mastodon's Status entity, from a status and everything already loaded about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from activitypub.uris import Uris
from server.edge.dates import format_datetime, format_optional_datetime
from storage.models import Account, PublicationState, Status, StatusEdit, Tag, ViewerFlags, Visibility

_PINNABLE = frozenset({Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE})


@dataclass(frozen=True, slots=True)
class StatusContext:
    """What one status needs besides itself; the presenter loads it in batches."""

    account: dict[str, Any]
    mentions: Sequence[Account]
    tags: Sequence[Tag]
    counts: tuple[int, int, int]
    application: dict[str, Any] | None = None
    media_attachments: Sequence[dict[str, Any]] = ()
    poll: dict[str, Any] | None = None
    card: dict[str, Any] | None = None
    reblog: dict[str, Any] | None = None
    filtered: Sequence[dict[str, Any]] = field(default=())


def status_uri(status: Status, author: Account, base_url: str) -> str:
    if status.uri:
        return status.uri
    return Uris.of(base_url).status(author.username, str(status.id))


def status_url(status: Status, author: Account, base_url: str) -> str:
    if status.url:
        return status.url
    if not author.is_local and status.uri:
        return status.uri
    return Uris.of(base_url).status_page(author.username, str(status.id))


def publication_entity(status: Status) -> dict[str, Any]:
    """Insideout's extension: where the status stands between inside and outside."""
    return {
        "state": status.publication_state.value,
        "published_at": format_optional_datetime(status.published_at),
        "url": status.uri if status.publication_state is PublicationState.PUBLISHED else None,
    }


def status_entity(
    status: Status, author: Account, context: StatusContext, *, base_url: str, flags: ViewerFlags | None,
    viewer_id: int | None,
) -> dict[str, Any]:
    replies, reblogs, favourites = context.counts
    entity: dict[str, Any] = {
        "id": str(status.id),
        "uri": status_uri(status, author, base_url),
        "url": status_url(status, author, base_url) if status.reblog_of_id is None else None,
        "created_at": format_datetime(status.created_at),
        "edited_at": format_optional_datetime(status.edited_at),
        "account": context.account,
        "content": status.content,
        "text": None,
        "visibility": status.visibility.value,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "language": status.language,
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None,
        "reblog": context.reblog,
        "media_attachments": list(context.media_attachments),
        "mentions": [_mention(account, base_url) for account in context.mentions],
        "tags": [{"name": tag.display_name, "url": Uris.of(base_url).tag(tag.name)} for tag in context.tags],
        "emojis": [],
        "poll": context.poll,
        "card": context.card,
        "application": context.application,
        "replies_count": replies,
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "filtered": list(context.filtered),
        "local_only": status.local and status.publication_state is not PublicationState.PUBLISHED,
        "publication": publication_entity(status),
        # Mastodon 4.5's quote posts are not built (docs/client-compatibility.md): nothing quotes, and
        # nobody may quote, so clients hide the quote button.
        "quote": None,
        "quotes_count": 0,
        "quote_approval": {"automatic": [], "manual": [], "current_user": "denied"},
    }
    if flags is not None:
        entity.update(_viewer_flags(status, flags, viewer_id))
    return entity


def _viewer_flags(status: Status, flags: ViewerFlags, viewer_id: int | None) -> dict[str, bool]:
    """The viewer's flags; a boost's wrapper carries those of the boosted status (Mastodon's ``status.proper``).

    ``pinned`` only where Mastodon's ``pinnable?`` holds: the viewer's own post, not a boost, not direct.
    """
    target = status.reblog_of_id or status.id
    shown = {
        "favourited": target in flags.favourited,
        "reblogged": target in flags.reblogged,
        "muted": target in flags.muted_threads,
        "bookmarked": target in flags.bookmarked,
    }
    if status.account_id == viewer_id and status.reblog_of_id is None and status.visibility in _PINNABLE:
        shown["pinned"] = target in flags.pinned
    return shown


def _mention(account: Account, base_url: str) -> dict[str, str]:
    url = Uris.of(base_url).profile_page(account.username) if account.is_local else (account.url or account.uri or "")
    return {"id": str(account.id), "username": account.username, "url": url, "acct": account.acct}


def status_edit_entity(
    edit: StatusEdit, account: dict[str, Any], media_attachments: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """One entry of ``GET /api/v1/statuses/:id/history``; ``media_attachments`` as they were in that revision."""
    return {
        "content": edit.content,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "created_at": format_datetime(edit.created_at),
        "account": account,
        "poll": None,
        "media_attachments": list(media_attachments),
        "emojis": [],
    }
