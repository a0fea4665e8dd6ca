"""Mastodon's Announcement entity, for the API and the web app's banner.

``read`` and each reaction's ``me`` are the viewer's; the streaming payload,
like Mastodon's, is rendered for the viewer it goes to.
"""

from __future__ import annotations

import json
from typing import Any

from activitypub.uris import Uris
from server.edge.dates import format_datetime, format_optional_datetime
from server.services.announcements import AnnouncementSummary, AnnouncementView
from storage.announcements import Announcement, Reaction

Entity = dict[str, Any]


def reaction_entity(reaction: Reaction, *, with_me: bool = True) -> Entity:
    # A unicode emoji has no image: Mastodon leaves url and static_url out for those.
    entity: Entity = {"name": reaction.name, "count": reaction.count}
    if with_me:
        entity["me"] = reaction.me
    return entity


def _times(announcement: Announcement) -> Entity:
    return {
        "id": str(announcement.id),
        "content": announcement.content,
        "starts_at": format_optional_datetime(announcement.starts_at),
        "ends_at": format_optional_datetime(announcement.ends_at),
        "all_day": announcement.all_day,
        "published_at": format_datetime(announcement.published_at),
        "updated_at": format_datetime(announcement.updated_at),
    }


def announcement_entity(view: AnnouncementView, base_url: str) -> Entity:
    uris = Uris.of(base_url)
    return {
        **_times(view.announcement),
        "read": view.read,
        "mentions": [{"id": m.id, "username": m.username, "acct": m.acct, "url": m.url}
                     for m in view.rendered.mentions],
        "statuses": [],
        "tags": [{"name": t.display, "url": uris.tag(t.name)} for t in view.rendered.tags],
        "emojis": [],
        "reactions": [reaction_entity(r) for r in view.reactions],
    }


def announcement_payload(view: AnnouncementView, base_url: str) -> str:
    """The streaming ``announcement`` event's JSON: the entity for no viewer in particular, as Mastodon sends."""
    return json.dumps(announcement_entity(view, base_url), ensure_ascii=False, separators=(",", ":"))


def admin_announcement_entity(summary: AnnouncementSummary) -> Entity:
    """The admin API's: the text as written, state, ended_at, audience and counts."""
    announcement = summary.announcement
    return {
        **_times(announcement),
        "published": True,
        "text": announcement.text,
        "state": summary.state,
        "ended_at": format_optional_datetime(announcement.ended_at),
        "departments": [{"id": str(d.id), "username": d.username, "display_name": d.display_name}
                        for d in summary.departments],
        "reactions": [reaction_entity(r, with_me=False) for r in summary.reactions],
        "reactions_count": summary.reaction_count,
        "dismissals_count": summary.dismissals,
    }
