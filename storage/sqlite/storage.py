"""The SQLite implementation of ``storage.protocols.Storage``: the shared stores on one SQLite file."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from activitypub.errors import StorageError
from storage.ids import IdGenerator
from storage.sql.storage import BackupProgress, SqlStorage
from storage.sqlite import migrator as migrations
from storage.sqlite.database import SqliteDatabase


class SqliteStorage(SqlStorage):
    def __init__(self, path: str, ids: IdGenerator | None = None) -> None:
        self.sqlite = SqliteDatabase(path)
        super().__init__(self.sqlite, ids or IdGenerator())

    async def open(self) -> None:
        parent = Path(self.sqlite.path).parent
        if not parent.is_dir():
            raise StorageError("Cannot open the database", detail=f"directory {parent} does not exist")
        await self.sqlite.open()

    async def close(self) -> None:
        await self.sqlite.close()

    async def migrate(self) -> Sequence[str]:
        return await migrations.migrate(self.sqlite)

    async def pending_migrations(self) -> Sequence[str]:
        return [migration.name for migration in await migrations.pending(self.sqlite)]

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
