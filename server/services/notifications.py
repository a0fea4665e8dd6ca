"""A reader's notifications: listed, shown, counted, dismissed.

Notifications from accounts the reader blocks (or is blocked by) or mutes
with notifications are never shown, even ones created before the block or
mute. They stay stored, so a page is read past them: up to ``MAX_ROUNDS``
storage pages before answering short, and the cursor never skips or
repeats a notification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from activitypub.errors import NotFound
from storage.models import Account, Notification, Page, Reader
from storage.profiles import MarkerTimeline
from storage.protocols import Storage

MAX_ROUNDS: Final = 5  # pages read past hidden notifications before answering short


@dataclass(frozen=True, slots=True)
class NotificationPage:
    shown: Sequence[Notification]
    cursor_ids: Sequence[int]  # the ids to page by; every one scanned when none is shown


@dataclass(frozen=True, slots=True)
class NotificationQuery:
    """Mastodon's filters: ``types``, ``exclude_types`` and ``account_id`` (the sender)."""

    types: Sequence[str] = ()
    exclude_types: Sequence[str] = ()
    from_account_id: int | None = None


class NotificationService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def hidden_senders(self, account_id: int) -> frozenset[int]:
        blocked = await self._storage.relationships.blocked_ids(account_id)
        return blocked | await self._storage.relationships.muted_ids(account_id, notifications_only=True)

    async def page(self, reader: Reader, page: Page, query: NotificationQuery) -> NotificationPage:
        """A page of shown notifications, newest first."""
        hidden = await self.hidden_senders(reader.account_id)
        shown: list[Notification] = []
        scanned: list[int] = []
        cursor = page
        for _ in range(MAX_ROUNDS):
            rows = await self._storage.notifications.list(
                reader, cursor, types=query.types, exclude_types=query.exclude_types,
                from_account_id=query.from_account_id,
            )
            scanned.extend(n.id for n in rows)
            shown.extend(n for n in rows if n.from_account_id not in hidden)
            if len(rows) < cursor.limit or len(shown) >= page.limit:
                break
            cursor = _beyond(cursor, [n.id for n in rows])
        shown = _trim(shown, page)
        return NotificationPage(shown, [n.id for n in shown] or sorted(scanned, reverse=True))

    async def visible(self, reader: Reader, notification_id: int) -> Notification:
        """The reader's notification, unless its sender is hidden; otherwise NotFound, as for none at all."""
        notification = await self._storage.notifications.get(reader, notification_id)
        if notification is None or notification.from_account_id in await self.hidden_senders(reader.account_id):
            raise NotFound()
        return notification

    async def sender(self, notification: Notification) -> Account | None:
        return await self._storage.accounts.get(notification.from_account_id)

    async def dismiss(self, reader: Reader, notification_id: int) -> None:
        if not await self._storage.notifications.dismiss(reader, notification_id):
            raise NotFound()

    async def clear(self, reader: Reader) -> None:
        await self._storage.notifications.clear(reader)

    async def unread_count(self, reader: Reader, limit: int) -> int:
        """How many arrived after the ``notifications`` marker, counted up to ``limit``."""
        markers = await self._storage.markers.get(reader.account_id, [MarkerTimeline.NOTIFICATIONS])
        marker = markers.get(MarkerTimeline.NOTIFICATIONS)
        return await self._storage.notifications.count_after(reader, marker.last_read_id if marker else 0,
                                                             limit=limit)


def _beyond(cursor: Page, ids: list[int]) -> Page:
    if cursor.min_id is not None:
        return replace(cursor, min_id=max(ids))
    return replace(cursor, max_id=min(ids))


def _trim(shown: list[Notification], page: Page) -> list[Notification]:
    """Newest first; reading up from ``min_id`` keeps the ones just above it."""
    ordered = sorted(shown, key=lambda n: n.id, reverse=True)
    return ordered[-page.limit:] if page.min_id is not None else ordered[: page.limit]
