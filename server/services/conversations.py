"""Direct conversations: the direct statuses an account takes part in, one conversation per thread.

Nothing is fanned out for them: the list is a query over direct statuses
through the one visibility rule. A conversation's id is its thread's id;
only read and removed marks are stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from activitypub.errors import NotFound
from storage.curation import Conversation
from storage.models import Account, Page, Reader, Status
from storage.protocols import Storage


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    """A conversation with what a client shows of it; ``last_status`` is None when it is gone."""

    conversation: Conversation
    participants: list[Account]
    last_status: Status | None


class ConversationService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def listed(self, reader: Reader, page: Page) -> list[Conversation]:
        return list(await self._storage.conversations.listed(reader, page))

    async def get(self, reader: Reader, thread_id: int) -> Conversation:
        found = await self._storage.conversations.get(reader, thread_id)
        if found is None:
            raise NotFound()
        return found

    async def mark_read(self, account_id: int, found: Conversation) -> Conversation:
        await self._storage.conversations.mark_read(account_id, found.id, found.last_status_id)
        return replace(found, unread=False)

    async def remove(self, account_id: int, found: Conversation) -> None:
        await self._storage.conversations.remove(account_id, found.id, found.last_status_id)

    async def details(self, conversations: Sequence[Conversation]) -> list[ConversationDetail]:
        statuses = await self._storage.statuses.get_many([c.last_status_id for c in conversations])
        return [
            ConversationDetail(c, await self._participants(c), statuses.get(c.last_status_id))
            for c in conversations
        ]

    async def _participants(self, conversation: Conversation) -> list[Account]:
        found = [await self._storage.accounts.get(i) for i in conversation.participant_ids]
        return [account for account in found if account]
