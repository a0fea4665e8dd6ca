"""Activities we send, as Mastodon writes them. Pure: ids and URIs come in, dicts go out."""

from __future__ import annotations

from typing import Any

from activitypub.context import PUBLIC, activity_context


def _activity(kind: str, activity_id: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {"@context": activity_context(), "id": activity_id, "type": kind, "actor": actor,
                                "object": obj}
    activity.update({key: value for key, value in extra.items() if value is not None})
    return activity


def follow(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return _activity("Follow", activity_id, actor, target)


def undo(activity_id: str, actor: str, undone: dict[str, Any], *, to: list[str] | None = None) -> dict[str, Any]:
    """``Undo`` embeds what it undoes (without its @context), as Mastodon does."""
    inner = {key: value for key, value in undone.items() if key != "@context"}
    return _activity("Undo", activity_id, actor, inner, to=to)


def block(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return _activity("Block", activity_id, actor, target)


def like(activity_id: str, actor: str, object_uri: str) -> dict[str, Any]:
    return _activity("Like", activity_id, actor, object_uri)


def create(activity_id: str, actor: str, note: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in note.items() if key != "@context"}
    return _activity("Create", activity_id, actor, inner, published=note.get("published"), to=note.get("to"),
                     cc=note.get("cc"))


def update(activity_id: str, actor: str, obj: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in obj.items() if key != "@context"}
    return _activity("Update", activity_id, actor, inner, to=obj.get("to"), cc=obj.get("cc"))


def announce(activity_id: str, actor: str, object_uri: str, *, followers: str, published: str) -> dict[str, Any]:
    """``Announce{object: <Note URI>}``: Mastodon fetches the Note from its id; ``Announce{Create}`` is ignored."""
    return _activity("Announce", activity_id, actor, object_uri, to=[PUBLIC], cc=[followers], published=published)


def delete_note(activity_id: str, actor: str, note_uri: str) -> dict[str, Any]:
    return _activity("Delete", activity_id, actor, {"id": note_uri, "type": "Tombstone", "atomUri": note_uri},
                     to=[PUBLIC])


def poll_vote(activity_id: str, actor: str, note_id: str, poll_uri: str, poll_author: str, choice: str) -> dict[str, Any]:
    """A vote is a ``Create{Note}`` whose ``name`` is the chosen option, addressed to the poll's author."""
    note = {"id": note_id, "type": "Note", "name": choice, "attributedTo": actor, "inReplyTo": poll_uri,
            "to": poll_author}
    return _activity("Create", activity_id, actor, note, to=poll_author)
