"""The append-only admin action log (``admin_actions``); publication decisions go to publication_log.

``audit`` writes one entry inside the transaction of the change it records;
``AdminLog`` reads them back for the admin API and pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.admin import AdminAction, NewAdminAction
from storage.protocols import Storage

MAX_REASON = 1000


def clean_reason(reason: str | None) -> str | None:
    """A reason as stored: stripped, None when blank, at most ``MAX_REASON`` characters."""
    text = (reason or "").strip()
    return text[:MAX_REASON] or None


async def audit(
    storage: Storage, actor: str, action: str, target_type: str, target_id: str | int, *,
    reason: str | None = None, **detail: str,
) -> AdminAction:
    """Record one admin action; call inside the transaction that makes the change, so both or neither happen."""
    return await storage.admin.record_action(NewAdminAction(
        actor=actor, action=action, target_type=target_type, target_id=str(target_id),
        reason=clean_reason(reason), detail=detail,
    ))


class AdminLog:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def actions(
        self, *, target_type: str | None = None, target_id: str | None = None, action: str | None = None,
        limit: int = 100,
    ) -> Sequence[AdminAction]:
        """Newest first, narrowed by target and action."""
        return await self._storage.admin.actions(target_type=target_type, target_id=target_id, action=action,
                                                 limit=limit)
