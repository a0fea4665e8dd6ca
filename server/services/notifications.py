"""A reader's notifications: listed, shown, counted, dismissed.

Notifications from accounts the reader blocks (or is blocked by) or mutes
with notifications are never shown, even ones created before the block or
mute. They stay stored, so a page is read past them: up to ``MAX_ROUNDS``
storage pages before answering short, and the cursor never skips or
repeats a notification.

Grouped (Mastodon 4.3's v2), a page holds one notification per group: the
newest of each group below the cursor (the oldest above ``min_id``), read
``GROUP_SCAN`` at a time for up to ``MAX_GROUP_ROUNDS`` rounds. Each group
is then summarised as of the page's newest notification: how many it holds
and its newest senders, hidden senders left out (``storage.notification_groups``).
A group may so appear again, with its older notifications, on a later page,
as it does on Mastodon.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from activitypub.errors import NotFound
from storage.models import Account, Notification, Page, Reader
from storage.notification_groups import GROUPABLE_TYPES, GroupSummary, shown_group_key, ungrouped_id
from storage.profiles import MarkerTimeline
from storage.protocols import Storage

MAX_ROUNDS: Final = 5  # pages read past hidden notifications before answering short
GROUP_SCAN: Final = 200  # notifications read at a time while gathering a page of groups
MAX_GROUP_ROUNDS: Final = 10  # so at most 2,000 notifications are read for one page of groups


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


@dataclass(frozen=True, slots=True)
class NotificationGroup:
    """One group of a page: its key, its newest notification on the page, and its summary if it groups."""

    key: str
    notification: Notification
    summary: GroupSummary | None

    @property
    def sender_ids(self) -> tuple[int, ...]:
        return self.summary.sample_sender_ids if self.summary else (self.notification.from_account_id,)


@dataclass(frozen=True, slots=True)
class GroupPage:
    groups: Sequence[NotificationGroup]
    cursor_ids: Sequence[int]  # the groups' notifications, newest first; every one scanned when none is shown
    senders: Mapping[int, Account]


def grouped_types_of(requested: Sequence[str]) -> frozenset[str]:
    """Mastodon's ``grouped_types``: the groupable ones named, or all of them when none is."""
    named = frozenset(requested) & frozenset(GROUPABLE_TYPES)
    return named if requested else frozenset(GROUPABLE_TYPES)


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

    async def groups(
        self, reader: Reader, page: Page, query: NotificationQuery, grouped_types: Collection[str]
    ) -> GroupPage:
        """A page of groups, newest first (``GET /api/v2/notifications``)."""
        hidden = await self.hidden_senders(reader.account_id)
        picked, scanned = await self._pick_groups(reader, page, query, grouped_types, hidden)
        shown = sorted(picked.items(), key=lambda item: item[1].id, reverse=True)
        keys = [key for key, notification in shown if not key.startswith("ungrouped-")]
        summaries = await self._storage.notifications.group_summaries(
            reader, keys, upto=shown[0][1].id if shown else None, page_from=shown[-1][1].id if shown else None,
            hidden_senders=hidden,
        ) if keys else {}
        groups = [NotificationGroup(key, notification, summaries.get(key)) for key, notification in shown]
        cursor = [group.notification.id for group in groups] or sorted(scanned, reverse=True)
        return GroupPage(groups, cursor, await self._senders(groups))

    async def unread_group_count(
        self, reader: Reader, limit: int, grouped_types: Collection[str], query: NotificationQuery
    ) -> int:
        """How many groups have a notification after the ``notifications`` marker, counted up to ``limit``."""
        markers = await self._storage.markers.get(reader.account_id, [MarkerTimeline.NOTIFICATIONS])
        marker = markers.get(MarkerTimeline.NOTIFICATIONS)
        page = Page(limit=limit, min_id=marker.last_read_id if marker else 0)
        hidden = await self.hidden_senders(reader.account_id)
        picked, _ = await self._pick_groups(reader, page, query, grouped_types, hidden)
        return len(picked)

    async def _pick_groups(
        self, reader: Reader, page: Page, query: NotificationQuery, grouped_types: Collection[str],
        hidden: frozenset[int],
    ) -> tuple[dict[str, Notification], list[int]]:
        """One notification per group, in the page's reading order (Mastodon's ``paginate_groups``)."""
        picked: dict[str, Notification] = {}
        scanned: list[int] = []
        cursor = replace(page, limit=GROUP_SCAN)
        for _ in range(MAX_GROUP_ROUNDS):
            rows = await self._storage.notifications.list(
                reader, cursor, types=query.types, exclude_types=query.exclude_types,
                from_account_id=query.from_account_id,
            )
            for notification in sorted(rows, key=lambda n: n.id, reverse=page.min_id is None):
                if len(picked) >= page.limit:
                    break
                scanned.append(notification.id)
                if notification.from_account_id not in hidden:
                    key = shown_group_key(notification.id, notification.type, notification.group_key, grouped_types)
                    picked.setdefault(key, notification)
            if len(rows) < cursor.limit or len(picked) >= page.limit:
                break
            cursor = _beyond(cursor, [n.id for n in rows])
        return picked, scanned

    async def _senders(self, groups: Sequence[NotificationGroup]) -> Mapping[int, Account]:
        return await self._storage.accounts.get_many(list({i for group in groups for i in group.sender_ids}))

    async def group(self, reader: Reader, group_key: str) -> GroupPage:
        """One group, whole (``GET /api/v2/notifications/:group_key``); NotFound when nothing of it is shown."""
        notification_id = ungrouped_id(group_key)
        if notification_id is not None:
            notification = await self.visible(reader, notification_id)
            groups = [NotificationGroup(group_key, notification, None)]
            return GroupPage(groups, [notification_id], await self._senders(groups))
        hidden = await self.hidden_senders(reader.account_id)
        summary = (await self._storage.notifications.group_summaries(reader, [group_key], hidden_senders=hidden)
                   ).get(group_key)
        newest = await self._storage.notifications.get(reader, summary.most_recent_id) if summary else None
        if summary is None or newest is None:
            raise NotFound()
        groups = [NotificationGroup(group_key, newest, summary)]
        return GroupPage(groups, [newest.id], await self._senders(groups))

    async def group_senders(self, reader: Reader, group_key: str, page: Page) -> tuple[list[Account], list[int]]:
        """The senders of a group's notifications, newest first, and the notification ids to page by."""
        notification_id = ungrouped_id(group_key)
        if notification_id is not None:
            alone = await self._storage.notifications.get(reader, notification_id)
            hidden = await self.hidden_senders(reader.account_id)
            members: Sequence[Notification] = [
                n for n in (alone,) if n is not None and n.from_account_id not in hidden and _inside(page, n.id)
            ]
        else:
            hidden = await self.hidden_senders(reader.account_id)
            members = await self._storage.notifications.in_group(reader, group_key, page, hidden_senders=hidden)
        senders = await self._storage.accounts.get_many(list({n.from_account_id for n in members}))
        shown = [n for n in members if n.from_account_id in senders]
        return [senders[n.from_account_id] for n in shown], [n.id for n in shown]

    async def dismiss_group(self, reader: Reader, group_key: str) -> None:
        """Mastodon destroys every notification of the group, and answers 200 even for none."""
        notification_id = ungrouped_id(group_key)
        if notification_id is not None:
            await self._storage.notifications.dismiss(reader, notification_id)
        else:
            await self._storage.notifications.dismiss_group(reader, group_key)

    async def sender(self, notification: Notification) -> Account | None:
        return await self._storage.accounts.get(notification.from_account_id)

    async def dismiss(self, reader: Reader, notification_id: int) -> None:
        if not await self._storage.notifications.dismiss(reader, notification_id):
            raise NotFound()

    async def clear(self, reader: Reader) -> None:
        await self._storage.notifications.clear(reader)

    async def newest_id(self, reader: Reader) -> int | None:
        """The newest notification's id, hidden senders' too: where "mark all as read" moves the marker."""
        rows = await self._storage.notifications.list(reader, Page(limit=1))
        return rows[0].id if rows else None

    async def unread_count(self, reader: Reader, limit: int) -> int:
        """How many arrived after the ``notifications`` marker, counted up to ``limit``."""
        markers = await self._storage.markers.get(reader.account_id, [MarkerTimeline.NOTIFICATIONS])
        marker = markers.get(MarkerTimeline.NOTIFICATIONS)
        return await self._storage.notifications.count_after(reader, marker.last_read_id if marker else 0,
                                                             limit=limit)


def _inside(page: Page, notification_id: int) -> bool:
    """Whether an id lies within a page's cursor bounds."""
    lower = page.min_id if page.min_id is not None else page.since_id
    return (lower is None or notification_id > lower) and (page.max_id is None or notification_id < page.max_id)


def _beyond(cursor: Page, ids: list[int]) -> Page:
    if cursor.min_id is not None:
        return replace(cursor, min_id=max(ids))
    return replace(cursor, max_id=min(ids))


def _trim(shown: list[Notification], page: Page) -> list[Notification]:
    """Newest first; reading up from ``min_id`` keeps the ones just above it."""
    ordered = sorted(shown, key=lambda n: n.id, reverse=True)
    return ordered[-page.limit:] if page.min_id is not None else ordered[: page.limit]
