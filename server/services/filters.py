"""An account's filters (Mastodon's v2 shape), their keywords and filtered statuses.

Another account's filter, keyword or status entry is not found, exactly like
a missing one. Every change tells the owner's streams ``filters_changed`` once
it is written, so open clients reload their filters.
"""

from __future__ import annotations

from collections.abc import Sequence

from activitypub.errors import Conflict, InvalidInput, NotFound
from server.events import Event, EventBus
from storage.curation import Filter, FilterFields, FilterKeyword, FilterStatus, KeywordEdit
from storage.models import Reader
from storage.protocols import Storage

STATUS_TAKEN_MESSAGE = "Validation failed: Status has already been taken"


class FilterService:
    def __init__(self, storage: Storage, events: EventBus) -> None:
        self._storage = storage
        self._events = events

    async def owned(self, account_id: int) -> Sequence[Filter]:
        return await self._storage.filters.owned(account_id)

    async def get(self, account_id: int, filter_id: int) -> Filter:
        found = await self._storage.filters.get(account_id, filter_id)
        if found is None:
            raise NotFound()
        return found

    async def create(self, account_id: int, fields: FilterFields, keywords: Sequence[tuple[str, bool]]) -> Filter:
        created = await self._storage.filters.create(account_id, fields, keywords)
        await self._changed(account_id)
        return created

    async def update(self, account_id: int, found: Filter, fields: FilterFields,
                     edits: Sequence[KeywordEdit]) -> Filter:
        updated = await self._storage.filters.update(found.id, fields, edits)
        await self._changed(account_id)
        return updated

    async def delete(self, account_id: int, found: Filter) -> None:
        await self._storage.filters.delete(account_id, found.id)
        await self._changed(account_id)

    async def keyword(self, account_id: int, keyword_id: int) -> FilterKeyword:
        found = await self._storage.filters.get_keyword(account_id, keyword_id)
        if found is None:
            raise NotFound()
        return found

    async def keyword_and_filter(self, account_id: int, keyword_id: int) -> tuple[Filter, FilterKeyword]:
        """A keyword with the filter holding it: what Mastodon's v1 API calls a filter."""
        keyword = await self._storage.filters.get_keyword(account_id, keyword_id)
        found = await self._storage.filters.get(account_id, keyword.filter_id) if keyword else None
        if keyword is None or found is None:
            raise NotFound()
        return found, keyword

    async def add_keyword(self, account_id: int, found: Filter, keyword: str, whole_word: bool) -> FilterKeyword:
        added = await self._storage.filters.add_keyword(found.id, keyword, whole_word)
        await self._changed(account_id)
        return added

    async def update_keyword(self, account_id: int, keyword: FilterKeyword, text: str,
                             whole_word: bool) -> FilterKeyword:
        updated = await self._storage.filters.update_keyword(keyword.id, text, whole_word)
        await self._changed(account_id)
        return updated

    async def delete_keyword(self, account_id: int, keyword: FilterKeyword) -> None:
        await self._storage.filters.delete_keyword(keyword.id)
        await self._changed(account_id)

    async def drop_keyword(self, account_id: int, found: Filter, keyword: FilterKeyword) -> None:
        """Delete a keyword, and its filter with it when it was the last one (a v1 filter's delete)."""
        if len(found.keywords) > 1:
            await self._storage.filters.delete_keyword(keyword.id)
        else:
            await self._storage.filters.delete(account_id, found.id)
        await self._changed(account_id)

    async def add_status(self, account_id: int, reader: Reader, found: Filter, status_id: int | None) -> FilterStatus:
        """Filter a status the reader can see; one they cannot is not found."""
        if status_id is None or not await self._storage.timelines.visible_ids(reader, [status_id]):
            raise NotFound()
        try:
            entry = await self._storage.filters.add_status(found.id, status_id)
        except Conflict:
            raise InvalidInput(STATUS_TAKEN_MESSAGE) from None
        await self._changed(account_id)
        return entry

    async def status_entry(self, account_id: int, entry_id: int) -> FilterStatus:
        entry = await self._storage.filters.get_status(account_id, entry_id)
        if entry is None:
            raise NotFound()
        return entry

    async def delete_status(self, account_id: int, entry: FilterStatus) -> None:
        await self._storage.filters.delete_status(entry.id)
        await self._changed(account_id)

    async def _changed(self, account_id: int) -> None:
        await self._events.publish([Event(f"user:{account_id}", "filters_changed")])
