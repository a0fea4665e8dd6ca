"""Inside distribution: who gets a status in their home feed, who is notified, which streams hear of it.

A direct post is also a ``conversation`` event on the ``direct`` stream of each local participant.

A status and its fan-out are one unit: callers write both inside ``atomic()``, so a crash leaves
either the status with every home feed row, notification and queued push, or none of them.
Stream events wait for the commit: a client must never hear of a post it cannot read yet (or ever).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol

from server.events import Event, EventBus
from storage.models import Account, AccountKind, Notification, Status, Visibility
from storage.protocols import Storage

if TYPE_CHECKING:
    from server.services.push import PushDispatcher

PUBLIC_STREAMS = ("public", "public:local", "public:remote")
# Above this many local followers an account's posts are read into home timelines, not written.
BROADCAST_THRESHOLD = 2_000


class NotificationListener(Protocol):
    """Told of each notification inside the transaction that made it (mail queues a row there)."""

    async def notification_created(self, notification: Notification) -> None: ...


class Distribution:
    def __init__(
        self, storage: Storage, events: EventBus, push: PushDispatcher | None = None, *,
        mail: NotificationListener | None = None,
    ) -> None:
        self._storage = storage
        self._events = events
        self._push = push
        self._mail = mail
        self._held: ContextVar[list[Event] | None] = ContextVar(f"held-events-{id(self)}", default=None)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """One transaction for the block's writes; the events it publishes go out once it committed.

        Keep the block to storage calls: on SQLite it holds the only writer.
        """
        if self._held.get() is not None:
            async with self._storage.transaction():
                yield
            return
        held: list[Event] = []
        token = self._held.set(held)
        try:
            async with self._storage.transaction():
                yield
        finally:
            self._held.reset(token)
        await self._events.publish(held)

    async def _publish(self, events: Iterable[Event]) -> None:
        held = self._held.get()
        if held is None:
            await self._events.publish(events)
        else:
            held.extend(events)

    async def status_created(self, status: Status, author: Account, mention_ids: Sequence[int]) -> None:
        """Fan a new status (or boost) out to home feeds, notifications and streams.

        Call it inside the ``atomic()`` block that created the status; on its own it is atomic by itself.
        """
        async with self.atomic():
            written, readers = await self._home_recipients(status, author, mention_ids)
            await self._storage.timelines.add_to_home(status.id, written)
            streams = self._events.active([f"user:{account_id}" for account_id in {*written, *readers}])
            events = [Event(stream, "update", status.id) for stream in streams]
            events.extend(await self._public_events(status))
            events.extend(Event(f"list:{found.id}", "update", status.id)
                          for found in await self._storage.lists.lists_for_status(status.id))
            events.extend(await self._conversation_events(status, author, mention_ids))
            await self._publish(events)
            if status.reblog_of_id is None:
                await self._notify_mentions(status, author, mention_ids)
                await self._notify_subscribers(status, author)

    async def status_edited(self, status: Status) -> None:
        followers = await self._storage.follows.local_follower_ids(status.account_id)
        streams = [f"user:{account_id}" for account_id in {status.account_id, *followers}]
        if status.visibility is Visibility.PUBLIC:
            streams.extend(PUBLIC_STREAMS)
        await self._publish(Event(stream, "status.update", status.id) for stream in streams)
        await self._notify_boosters(status)

    async def status_deleted(self, status: Status, audience: Sequence[int]) -> None:
        streams = [f"user:{account_id}" for account_id in audience]
        if status.visibility is Visibility.PUBLIC:
            streams.extend(PUBLIC_STREAMS)
        await self._publish(Event(stream, "delete", payload=str(status.id)) for stream in streams)

    async def notify(
        self, account: Account, from_account: Account, kind: str, status_id: int | None, *, allow_self: bool = False
    ) -> None:
        """One notification to a local account, unless it blocks or mutes the sender.

        Only ``allow_self`` notifies an account of itself (Mastodon's ``poll`` to the poll's author).
        """
        if not account.is_local or (account.id == from_account.id and not allow_self):
            return
        if from_account.id in await self._storage.relationships.blocked_ids(account.id):
            return
        if from_account.id in await self._storage.relationships.muted_ids(account.id, notifications_only=True):
            return
        notification = await self._storage.notifications.add(account.id, from_account.id, kind, status_id)
        if notification is not None:
            await self._publish([Event(f"user:notification:{account.id}", "notification", notification.id),
                                 Event(f"user:{account.id}", "notification", notification.id)])
            if self._push is not None:
                await self._push.notification_created(notification)
            if self._mail is not None:
                await self._mail.notification_created(notification)

    async def notify_many(
        self, account_ids: Sequence[int], from_account: Account, kind: str, status_id: int | None,
        *, batch: int = 500,
    ) -> list[int]:
        """``notify`` for a large audience (an ungrouped ``kind``): a statement and a transaction per ``batch``
        accounts, not per person; the same streams and pushes. Returns the accounts notified (not those who
        block the sender or are blocked by it, nor those muting its notifications)."""
        made: list[int] = []
        for start in range(0, len(account_ids), batch):
            async with self.atomic():
                notifications = await self._storage.notifications.add_many(
                    account_ids[start:start + batch], from_account.id, kind, status_id)
                await self._publish([event for n in notifications for event in (
                    Event(f"user:notification:{n.account_id}", "notification", n.id),
                    Event(f"user:{n.account_id}", "notification", n.id))])
                if self._push is not None:
                    await self._push.notifications_created(notifications)
            made.extend(n.account_id for n in notifications)
        return made

    async def _home_recipients(
        self, status: Status, author: Account, mention_ids: Sequence[int]
    ) -> tuple[list[int], list[int]]:
        """(feeds to write the status into, followers who will read it from a broadcast account)."""
        written: set[int] = {author.id} if author.is_local else set()
        # Owners who keep the author in an exclusive list read those posts there, not at home.
        exclusive = await self._storage.lists.exclusive_owner_ids(author.id)
        followers: set[int] = set()
        if status.reblog_of_id is not None:
            followers = set(await self._storage.follows.local_follower_ids(author.id, with_reblogs_only=True))
        elif status.visibility is not Visibility.DIRECT:
            followers = set(await self._storage.follows.local_follower_ids(author.id))
        followers -= exclusive
        if status.reblog_of_id is None and status.visibility is Visibility.PUBLIC:
            written.update(await self._storage.tag_follows.followers_for_status(status.id))
        for account_id in mention_ids:
            written.update(await self._addressed_locals(account_id))
        if len(followers) >= BROADCAST_THRESHOLD or await self._storage.timelines.is_broadcast(author.id):
            await self._storage.timelines.mark_broadcast(author.id)
            return sorted(written), sorted(followers)
        return sorted(written | followers), []

    async def _addressed_locals(self, account_id: int) -> set[int]:
        """A mentioned local account; a mentioned department stands for its members."""
        account = await self._storage.accounts.get(account_id)
        if account is None or not account.is_local:
            return set()
        if account.kind is AccountKind.DEPARTMENT:
            return {m.account_id for m in await self._storage.departments.members(account.id)}
        return {account.id}

    async def _conversation_events(self, status: Status, author: Account, mention_ids: Sequence[int]) -> list[Event]:
        """Mastodon's ``conversation`` event: a direct post reaches the ``direct`` stream of each local participant,
        its author's too; the stream renders the conversation as each of them sees it (or nothing)."""
        if status.visibility is not Visibility.DIRECT or status.reblog_of_id is not None:
            return []
        participants: set[int] = {author.id} if author.is_local else set()
        for account_id in mention_ids:
            participants.update(await self._addressed_locals(account_id))
        streams = self._events.active([f"direct:{account_id}" for account_id in sorted(participants)])
        return [Event(stream, "conversation", status.id) for stream in streams]

    async def _public_events(self, status: Status) -> list[Event]:
        if status.visibility is not Visibility.PUBLIC or status.reblog_of_id is not None:
            return []
        streams = ["public", "public:local" if status.local else "public:remote"]
        for tag in (await self._storage.statuses.tags([status.id])).get(status.id, []):
            streams.append(f"hashtag:{tag.name}")
            if status.local:
                streams.append(f"hashtag:local:{tag.name}")
        return [Event(stream, "update", status.id) for stream in streams]

    async def _notify_mentions(self, status: Status, author: Account, mention_ids: Sequence[int]) -> None:
        notified: set[int] = set()
        for account_id in mention_ids:
            for local_id in await self._addressed_locals(account_id):
                if local_id in notified:
                    continue
                notified.add(local_id)
                account = await self._storage.accounts.get(local_id)
                if account is not None:
                    await self.notify(account, author, "mention", status.id)

    async def _notify_subscribers(self, status: Status, author: Account) -> None:
        if status.visibility is Visibility.DIRECT or status.in_reply_to_id is not None:
            return
        for follower_id in await self._storage.follows.local_follower_ids(author.id, notify_only=True):
            follower = await self._storage.accounts.get(follower_id)
            if follower is not None:
                await self.notify(follower, author, "status", status.id)

    async def _notify_boosters(self, status: Status) -> None:
        """Mastodon tells those who boosted a post that it changed under them."""
        author = await self._storage.accounts.get(status.account_id)
        if author is None:
            return
        for reblog in await self._storage.statuses.reblogs_of(status.id):
            booster = await self._storage.accounts.get(reblog.account_id)
            if booster is not None:
                await self.notify(booster, author, "update", status.id)
