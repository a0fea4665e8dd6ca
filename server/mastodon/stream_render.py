"""What one viewer sees of one bus event: the JSON payload string, or nothing.

Statuses pass only if the one visibility rule lets the viewer see them (and
the boosted original) and the viewer neither blocks nor mutes the authors,
as the timelines do; a notification only reaches its owner. Renders are
cached per connection for the few events that arrive on several streams at
once (a public post reaches ``public``, ``public:local`` and its hashtags).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from server.events import Event
from server.mastodon.presenters import Presenter
from server.mastodon.stream_channels import Channel
from storage.models import Account, Status
from storage.protocols import Storage

STATUS_EVENTS: Final = frozenset({"update", "status.update"})
CACHE_SIZE: Final = 64
# Created statuses and notifications do not change under a render; edits always render afresh.
CACHEABLE: Final = frozenset({"update", "notification"})


@dataclass(frozen=True, slots=True)
class Rendered:
    payload: str | None
    has_media: bool = False


SKIP: Final = None


def _dump(entity: object) -> str:
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":"))


class StreamRenderer:
    """One per connection: renders for ``viewer``, remembering the last few results."""

    def __init__(self, storage: Storage, presenter: Presenter, viewer: Account) -> None:
        self._storage = storage
        self._presenter = presenter
        self._viewer = viewer
        self._cache: OrderedDict[tuple[str, int | None, bool], Rendered | None] = OrderedDict()

    async def render(self, event: Event, channel: Channel) -> Rendered | None:
        """None: this viewer gets nothing of ``event`` on ``channel``."""
        if event.event == "notification" and not channel.notifications:
            return SKIP
        if event.subject_id is None:
            return Rendered(event.payload)  # delete (the id), filters_changed (nothing), and the like
        key = (event.event, event.subject_id, channel.filtered)
        if key in self._cache:
            self._cache.move_to_end(key)
            rendered = self._cache[key]
        else:
            rendered = await self._render(event, event.subject_id, channel.filtered)
            if event.event in CACHEABLE:
                self._remember(key, rendered)
        if rendered is not None and channel.only_media and not rendered.has_media:
            return SKIP
        return rendered

    def _remember(self, key: tuple[str, int | None, bool], rendered: Rendered | None) -> None:
        self._cache[key] = rendered
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def _render(self, event: Event, subject_id: int, filtered: bool) -> Rendered | None:
        if event.event in STATUS_EVENTS:
            return await self._status(subject_id, filtered)
        if event.event == "notification":
            return await self._notification(subject_id)
        return Rendered(event.payload)

    async def _status(self, status_id: int, filtered: bool) -> Rendered | None:
        status = await self._storage.statuses.get(status_id)
        if status is None or status.deleted_at is not None:
            return SKIP
        original = await self._storage.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        shown = [status] if original is None else [status, original]
        if await self._storage.timelines.visible_ids(self._viewer.id, [s.id for s in shown]) != {s.id for s in shown}:
            return SKIP
        if await self._silenced(shown, filtered):
            return SKIP
        entity = await self._presenter.status(status, self._viewer)
        media = (entity.get("reblog") or entity).get("media_attachments") or []
        return Rendered(_dump(entity), has_media=bool(media))

    async def _silenced(self, shown: list[Status], filtered: bool) -> bool:
        """The viewer blocks or mutes an author (or, on public channels, a mentioned account)."""
        involved = {s.account_id for s in shown}
        if filtered:
            mentions = await self._storage.statuses.mention_ids([s.id for s in shown])
            involved.update(a for ids in mentions.values() for a in ids)
        involved.discard(self._viewer.id)
        if not involved:
            return False
        if involved & await self._storage.relationships.blocked_ids(self._viewer.id):
            return True
        return bool(involved & await self._storage.relationships.muted_ids(self._viewer.id))

    async def _notification(self, notification_id: int) -> Rendered | None:
        notification = await self._storage.notifications.get(self._viewer.id, notification_id)
        if notification is None:
            return SKIP
        entities = await self._presenter.notifications([notification], self._viewer)
        return Rendered(_dump(entities[0])) if entities else SKIP
