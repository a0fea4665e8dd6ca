"""The ``Accept``/``Reject`` we answer a remote ``Follow`` with, shaped like Mastodon's.

Pure code: the caller passes the local actor's id and what it knows of the
Follow. The Follow is embedded (id, actor, object) because some servers
match the answer by its id and others by the actor pair.
"""

from __future__ import annotations

from typing import Any

from activitypub.context import activity_context


def _follow(follow_id: str | None, follower_uri: str, followed_uri: str) -> dict[str, Any]:
    embedded: dict[str, Any] = {"type": "Follow", "actor": follower_uri, "object": followed_uri}
    if follow_id:
        embedded = {"id": follow_id, **embedded}
    return embedded


def accept_follow_activity(
    *, actor_uri: str, follower_uri: str, follow_id: str | None, local_follow_id: int
) -> dict[str, Any]:
    """``Accept{Follow}`` from ``actor_uri``; the id is unique per stored follow, as Mastodon's is."""
    return {
        "@context": activity_context(),
        "id": f"{actor_uri}#accepts/follows/{local_follow_id}",
        "type": "Accept",
        "actor": actor_uri,
        "object": _follow(follow_id, follower_uri, actor_uri),
    }


def reject_follow_activity(
    *, actor_uri: str, follower_uri: str, follow_id: str | None, local_follow_id: int | str
) -> dict[str, Any]:
    """``Reject{Follow}``: a refused request, or a follower removed."""
    return {
        "@context": activity_context(),
        "id": f"{actor_uri}#rejects/follows/{local_follow_id}",
        "type": "Reject",
        "actor": actor_uri,
        "object": _follow(follow_id, follower_uri, actor_uri),
    }
