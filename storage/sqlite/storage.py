"""The SQLite implementation of ``storage.protocols.Storage``."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from activitypub.errors import StorageError
from storage.ids import IdGenerator
from storage.sqlite import migrator as migrations
from storage.sqlite.accounts import SqliteAccountStore
from storage.sqlite.database import Database, SqliteDatabase
from storage.sqlite.deliveries import SqliteDeliveryStore
from storage.sqlite.departments import SqliteDepartmentStore
from storage.sqlite.directory import SqliteAccountDirectory
from storage.sqlite.profiles import SqliteMarkerStore, SqliteProfileStore
from storage.sqlite.follows import SqliteFollowStore
from storage.sqlite.inbox import SqliteInboxStore
from storage.sqlite.moderation import SqliteModerationStore
from storage.sqlite.instance import SqliteInstanceStore
from storage.sqlite.media import SqliteMediaStore
from storage.sqlite.cards import SqliteCardStore
from storage.sqlite.remote_media import SqliteRemoteFileStore
from storage.sqlite.polls import SqlitePollStore
from storage.sqlite.scheduled import SqliteScheduledStatusStore
from storage.sqlite.interactions import SqliteInteractionStore
from storage.sqlite.notifications import SqliteNotificationStore
from storage.sqlite.publication import SqlitePublicationStore
from storage.sqlite.review import SqliteReviewStore
from storage.sqlite.identities import SqlitePolicyStore
from storage.sqlite.admin import SqliteAdminStore
from storage.sqlite.metrics import SqliteMetricsStore
from storage.sqlite.push import SqlitePushStore
from storage.sqlite.relationships import SqliteRelationshipStore
from storage.sqlite.statuses import SqliteStatusStore
from storage.sqlite.timelines import SqliteTimelineStore
from storage.sqlite.oauth import SqliteOAuthStore
from storage.sqlite.tokens import SqliteTokenStore
from storage.sqlite.conversations import SqliteConversationStore
from storage.sqlite.filters import SqliteFilterStore
from storage.sqlite.lists import SqliteListStore
from storage.sqlite.search import SqliteSearchStore
from storage.sqlite.staff_reports import SqliteStaffReportStore
from storage.sqlite.tag_follows import SqliteTagFollowStore
from storage.sqlite.throttle import SqliteThrottleStore

BackupProgress = Callable[[int, int, int], None]


class SqliteStorage:
    def __init__(self, path: str, ids: IdGenerator | None = None) -> None:
        self.sqlite = SqliteDatabase(path)
        self.database: Database = self.sqlite
        self.ids = ids or IdGenerator()
        self._wire()

    def _wire(self) -> None:
        """Every aggregate's store, on ``self.database``; the stores' SQL runs on both backends."""
        self.accounts = SqliteAccountStore(self.database, self.ids)
        self.departments = SqliteDepartmentStore(self.database)
        self.tokens = SqliteTokenStore(self.database, self.ids)
        self.instance = SqliteInstanceStore(self.database)
        self.inbox = SqliteInboxStore(self.database, self.ids)
        self.moderation = SqliteModerationStore(self.database, self.ids)
        self.lists = SqliteListStore(self.database, self.ids)
        self.filters = SqliteFilterStore(self.database, self.ids)
        self.tag_follows = SqliteTagFollowStore(self.database, self.ids)
        self.staff_reports = SqliteStaffReportStore(self.database, self.ids)
        self.conversations = SqliteConversationStore(self.database)
        self.search = SqliteSearchStore(self.database)
        self.push = SqlitePushStore(self.database, self.ids)
        self.follows = SqliteFollowStore(self.database, self.ids)
        self.relationships = SqliteRelationshipStore(self.database, self.ids)
        self.statuses = SqliteStatusStore(self.database, self.ids)
        self.interactions = SqliteInteractionStore(self.database, self.ids)
        self.timelines = SqliteTimelineStore(self.database)
        self.notifications = SqliteNotificationStore(self.database, self.ids)
        self.publication = SqlitePublicationStore(self.database, self.ids)
        self.review = SqliteReviewStore(self.database, self.ids)
        self.policies = SqlitePolicyStore(self.database, self.ids)
        self.admin = SqliteAdminStore(self.database, self.ids)
        self.deliveries = SqliteDeliveryStore(self.database, self.ids)
        self.oauth = SqliteOAuthStore(self.database, self.ids)
        self.media = SqliteMediaStore(self.database, self.ids)
        self.polls = SqlitePollStore(self.database, self.ids)
        self.remote_files = SqliteRemoteFileStore(self.database, self.ids)
        self.cards = SqliteCardStore(self.database, self.ids)
        self.scheduled = SqliteScheduledStatusStore(self.database, self.ids, self.media)
        self.profiles = SqliteProfileStore(self.database)
        self.markers = SqliteMarkerStore(self.database)
        self.directory = SqliteAccountDirectory(self.database)
        self.metrics = SqliteMetricsStore(self.database)
        self.throttle = SqliteThrottleStore(self.database)

    async def open(self) -> None:
        parent = Path(self.sqlite.path).parent
        if not parent.is_dir():
            raise StorageError("Cannot open the database", detail=f"directory {parent} does not exist")
        await self.sqlite.open()

    async def close(self) -> None:
        await self.sqlite.close()

    async def ping(self) -> None:
        await self.database.fetch_one("SELECT 1")

    async def migrate(self) -> Sequence[str]:
        return await migrations.migrate(self.sqlite)

    async def pending_migrations(self) -> Sequence[str]:
        return [migration.name for migration in await migrations.pending(self.sqlite)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.database.write():
            yield

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        # A lock file beside the database: every process (and every storage in one) opens its own
        # descriptor, and flock() locks conflict between descriptors, whoever holds them.
        with open(f"{self.sqlite.path}.startup-lock", "a+b") as lock:
            await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    async def backup(self, destination: Path, progress: BackupProgress | None = None) -> None:
        """Copy through SQLite's online backup API, consistent even while other processes write."""
        source = self.sqlite.writer
        target = await asyncio.to_thread(sqlite3.connect, str(destination), check_same_thread=False)
        try:
            await source.backup(target, pages=256, progress=progress, sleep=0)
        finally:
            await asyncio.to_thread(target.close)
