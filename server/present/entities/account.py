"""Mastodon 4.3's Account entity (``REST::AccountSerializer``), and ``source`` for the owner.

Pure: the caller supplies counts, media URLs and the viewer's side. Local
bios are plain text rendered like Mastodon's ``TextFormatter``; remote bios
are stored already sanitised and pass through. ``outside=True`` is for
answers anyone may read (the instance contact): it shows only the
``public_note`` and zero counts, never the internal bio.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Final

from activitypub.content import render_status
from activitypub.content.render import MentionedAccount
from activitypub.uris import Uris
from server.edge.dates import format_date, format_datetime
from storage.models import Account, AccountKind
from storage.profiles import AccountProfile, ProfileField

MISSING_AVATAR_PATH: Final = "/avatars/original/missing.png"
MISSING_HEADER_PATH: Final = "/headers/original/missing.png"


@dataclass(frozen=True, slots=True)
class AccountCounts:
    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_at: date | datetime | None = None


@dataclass(frozen=True, slots=True)
class AccountSource:
    """The owner's own settings, shown by ``verify_credentials`` and ``update_credentials``."""

    privacy: str = "public"
    sensitive: bool = False
    language: str | None = None
    follow_requests_count: int = 0
    fields: tuple[tuple[str, str], ...] = field(default=())
    discoverable: bool = True
    hide_collections: bool = False
    indexable: bool = False


def default_avatar_url(base_url: str) -> str:
    return base_url + MISSING_AVATAR_PATH


def default_header_url(base_url: str) -> str:
    return base_url + MISSING_HEADER_PATH


def _no_mentions(username: str, domain: str | None) -> MentionedAccount | None:
    # A bio is rendered without resolving mentions: the converter does no I/O.
    return None


def render_note(text: str, base_url: str) -> str:
    return render_status(text, resolve=_no_mentions, tag_base_url=Uris.of(base_url).tag("").rstrip("/")).html


def _created_at(moment: datetime) -> str:
    # Mastodon shows only the day an account was created, at midnight UTC.
    day = moment.astimezone(UTC).date()
    return format_datetime(datetime.combine(day, time(0), tzinfo=UTC))


def _urls(account: Account, base_url: str) -> tuple[str, str]:
    if account.is_local:
        return Uris.of(base_url).profile_page(account.username), Uris.of(base_url).actor(account.username)
    uri = account.uri or ""
    return account.url or uri, uri


def _note(account: Account, base_url: str, outside: bool) -> str:
    if not account.is_local:
        return account.note
    return render_note(account.public_note if outside else account.note, base_url)


def account_entity(
    account: Account,
    *,
    base_url: str,
    counts: AccountCounts,
    source: AccountSource | None = None,
    avatar_url: str | None = None,
    header_url: str | None = None,
    outside: bool = False,
    profile: AccountProfile | None = None,
) -> dict[str, Any]:
    """Every field of Mastodon 4.3's Account; ``source`` only for the account's owner."""
    profile = profile or AccountProfile()
    url, uri = _urls(account, base_url)
    avatar = avatar_url or default_avatar_url(base_url)
    header = header_url or default_header_url(base_url)
    if outside:
        counts = AccountCounts()
    entity: dict[str, Any] = {
        "id": str(account.id),
        "username": account.username,
        "acct": account.acct,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": profile.bot,
        "discoverable": profile.discoverable if account.is_local else None,
        "indexable": False,
        "group": account.kind is AccountKind.DEPARTMENT,
        "created_at": _created_at(account.created_at),
        "note": _note(account, base_url, outside),
        "url": url,
        "uri": uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": counts.followers,
        "following_count": counts.following,
        "statuses_count": counts.statuses,
        "last_status_at": format_date(counts.last_status_at) if counts.last_status_at else None,
        "hide_collections": profile.hide_collections,
        "emojis": [],
        "roles": [],
        "fields": [] if outside else [field_entity(f, base_url) for f in profile.fields],
        # Mastodon 4.5: who may feature this account. Endorsements are not built, so nobody.
        "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
    }
    if account.is_local:
        entity["noindex"] = True  # an organisation's staff are not for search engines
    if source is not None and not outside:
        entity["source"] = source_entity(account, source)
    return entity


def field_entity(field: ProfileField, base_url: str) -> dict[str, Any]:
    """A profile field: the name as escaped text, the value with links, as Mastodon's ``format_field``."""
    value = render_note(field.value, base_url)
    if value.startswith("<p>") and value.endswith("</p>") and value.count("<p>") == 1:
        value = value[3:-4]
    return {"name": html.escape(field.name, quote=False), "value": value, "verified_at": None}


def source_entity(account: Account, source: AccountSource) -> dict[str, Any]:
    return {
        "privacy": source.privacy,
        "sensitive": source.sensitive,
        "language": source.language,
        "note": account.note,
        "public_note": account.public_note,
        "fields": [{"name": name, "value": value, "verified_at": None} for name, value in source.fields],
        "follow_requests_count": source.follow_requests_count,
        "hide_collections": source.hide_collections,
        "discoverable": source.discoverable,
        "indexable": source.indexable,
        "attribution_domains": [],
        "quote_policy": "nobody",  # quote posts are not built: docs/client-compatibility.md
    }
