"""What the streaming API reads: which statuses and notifications one viewer of a stream may get.

A status passes only if the one visibility rule lets the reader see it (and
the boosted original), and the viewer neither blocks nor mutes the authors,
as the timelines do; on the public and hashtag channels (``filtered``) a
mentioned account the viewer blocks or mutes silences it too. A
notification only reaches its owner, and a direct post's conversation
only a participant who may see the post. Rendering, and sharing one render
among viewers who see alike, is the edge's (server/mastodon/stream_render.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from server.services.conversations import ConversationDetail, ConversationService
from storage.models import Notification, Reader, Status
from storage.protocols import Storage


class StreamService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._conversations = ConversationService(storage)

    async def owns_list(self, account_id: int, list_id: int) -> bool:
        return await self._storage.lists.get(account_id, list_id) is not None

    async def edited_at(self, status_id: int) -> datetime | None:
        """When the status was last edited; None if never, or if it is gone."""
        status = await self._storage.statuses.get(status_id)
        return status.edited_at if status is not None else None

    async def individual_viewers(self, status_id: int) -> frozenset[int] | None:
        """Who may see the status (or its boosted original) otherwise than everyone; None: it depends on each."""
        status = await self._storage.statuses.get(status_id)
        if status is None:
            return None
        shown = [status.id] if status.reblog_of_id is None else [status.id, status.reblog_of_id]
        return await self._storage.timelines.individual_viewers(shown)

    async def status_for(self, reader: Reader, viewer_id: int, status_id: int, *, filtered: bool) -> Status | None:
        """The status as the stream shows it to ``viewer_id`` reading with ``reader``'s eyes; None: not to them."""
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            return None
        original = await self._storage.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        shown = [status] if original is None else [status, original]
        if await self._storage.timelines.visible_ids(reader, [s.id for s in shown]) != {s.id for s in shown}:
            return None
        if await self._silenced(viewer_id, shown, filtered):
            return None
        return status

    async def _silenced(self, viewer_id: int, shown: Sequence[Status], filtered: bool) -> bool:
        """The viewer blocks or mutes an author (or, on public channels, a mentioned account)."""
        involved = {s.account_id for s in shown}
        if filtered:
            mentions = await self._storage.statuses.mention_ids([s.id for s in shown])
            involved.update(a for ids in mentions.values() for a in ids)
        involved.discard(viewer_id)
        if not involved:
            return False
        if involved & await self._storage.relationships.blocked_ids(viewer_id):
            return True
        return bool(involved & await self._storage.relationships.muted_ids(viewer_id))

    async def conversation(self, reader: Reader, status_id: int) -> ConversationDetail | None:
        """The conversation a direct status is in, as ``reader`` sees it now; None if the reader cannot see the status
        (or has the conversation removed, or blocks its author)."""
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            return None
        if status_id not in await self._storage.timelines.visible_ids(reader, [status_id]):
            return None
        found = await self._storage.conversations.get(reader, status.thread_id)
        if found is None:
            return None
        return (await self._conversations.details([found]))[0]

    async def notification(self, reader: Reader, notification_id: int) -> Notification | None:
        return await self._storage.notifications.get(reader, notification_id)
