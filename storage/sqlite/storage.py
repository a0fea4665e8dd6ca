"""The SQLite implementation of ``storage.protocols.Storage``."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from storage.errors import StorageError
from storage.ids import IdGenerator
from storage.sqlite import migrator as migrations
from storage.sqlite.accounts import SqliteAccountStore
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.departments import SqliteDepartmentStore
from storage.sqlite.follows import SqliteFollowStore
from storage.sqlite.instance import SqliteInstanceStore
from storage.sqlite.interactions import SqliteInteractionStore
from storage.sqlite.notifications import SqliteNotificationStore
from storage.sqlite.relationships import SqliteRelationshipStore
from storage.sqlite.statuses import SqliteStatusStore
from storage.sqlite.timelines import SqliteTimelineStore
from storage.sqlite.tokens import SqliteTokenStore

BackupProgress = Callable[[int, int, int], None]


class SqliteStorage:
    def __init__(self, path: str, ids: IdGenerator | None = None) -> None:
        self.database = SqliteDatabase(path)
        self.ids = ids or IdGenerator()
        self.accounts = SqliteAccountStore(self.database, self.ids)
        self.departments = SqliteDepartmentStore(self.database)
        self.tokens = SqliteTokenStore(self.database, self.ids)
        self.instance = SqliteInstanceStore(self.database)
        self.follows = SqliteFollowStore(self.database, self.ids)
        self.relationships = SqliteRelationshipStore(self.database, self.ids)
        self.statuses = SqliteStatusStore(self.database, self.ids)
        self.interactions = SqliteInteractionStore(self.database, self.ids)
        self.timelines = SqliteTimelineStore(self.database)
        self.notifications = SqliteNotificationStore(self.database, self.ids)

    async def open(self) -> None:
        parent = Path(self.database.path).parent
        if not parent.is_dir():
            raise StorageError("Cannot open the database", detail=f"directory {parent} does not exist")
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def ping(self) -> None:
        await self.database.fetch_one("SELECT 1")

    async def migrate(self) -> Sequence[str]:
        return await migrations.migrate(self.database)

    async def pending_migrations(self) -> Sequence[str]:
        return [migration.name for migration in await migrations.pending(self.database)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.database.write():
            yield

    async def backup(self, destination: Path, progress: BackupProgress | None = None) -> None:
        """Copy through SQLite's online backup API, consistent even while other processes write."""
        source = self.database.writer
        target = await asyncio.to_thread(sqlite3.connect, str(destination), check_same_thread=False)
        try:
            await source.backup(target, pages=256, progress=progress, sleep=0)
        finally:
            await asyncio.to_thread(target.close)
