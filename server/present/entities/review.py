"""Review-queue, revision and audit-log entities of the admin API (pure converters; ids are strings)."""

from __future__ import annotations

from typing import Any

from server.edge.dates import format_datetime, format_optional_datetime
from storage.models import StatusEdit
from storage.review import AuditEntry, ReviewItem

Entity = dict[str, Any]


def revision_entity(edit: StatusEdit, *, approved_id: int | None) -> Entity:
    """Mastodon's StatusEdit shape, plus the plain text and whether outsiders see this revision."""
    return {
        "id": str(edit.id),
        "content": edit.content,
        "text": edit.text,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "language": edit.language,
        "created_at": format_datetime(edit.created_at),
        "approved": edit.id == approved_id,
    }


def queue_item_entity(
    item: ReviewItem, *, status: Entity, account: Entity, announcers: list[Entity], revision: Entity,
    approved_revision: Entity | None, diff: str | None,
) -> Entity:
    return {
        "id": str(item.id),
        "kind": item.kind.value,
        "state": item.state.value,
        "status": status,
        "account": account,
        "announcers": announcers,
        "revision": revision,
        "approved_revision": approved_revision,
        "diff": diff,
        "nominated_by": item.nominated_by,
        "scheduled_at": format_optional_datetime(item.scheduled_at),
        "decided_by": item.decided_by,
        "decided_at": format_optional_datetime(item.decided_at),
        "reason": item.reason,
        "created_at": format_datetime(item.created_at),
        "updated_at": format_datetime(item.updated_at),
    }


def audit_entity(entry: AuditEntry) -> Entity:
    return {
        "id": str(entry.id),
        "action": entry.action,
        "status_id": str(entry.status_id),
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "epoch": entry.epoch,
        "actor": entry.actor,
        "reason": entry.reason,
        "announcer_ids": [str(i) for i in entry.announcer_ids],
        "detail": dict(entry.detail),
        "created_at": format_datetime(entry.created_at),
    }
