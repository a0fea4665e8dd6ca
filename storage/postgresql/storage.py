"""The PostgreSQL implementation of ``storage.protocols.Storage``.

The aggregates' stores are the shared ones of ``storage.sql`` (their SQL
is the subset both engines speak, translated by ``storage.postgresql.sql``);
what differs is the connection pool, the id node, the migrations and their
lock, and the backup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection

from activitypub.errors import StorageError
from storage.ids import NODE_COUNT, IdGenerator
from storage.postgresql import migrator
from storage.postgresql.database import PostgresDatabase
from storage.sql.storage import BackupProgress, SqlStorage

# The advisory-lock class of the id nodes (two-key form: class, node).
ID_NODE_LOCKS = 0x496E


class PostgresStorage(SqlStorage):
    def __init__(self, url: str, ids: IdGenerator | None = None, *, pool_size: int = 10) -> None:
        self.postgres = PostgresDatabase(url, max_size=pool_size)
        self._node_lock: AsyncConnection[Any] | None = None
        super().__init__(self.postgres, ids or IdGenerator())

    async def open(self) -> None:
        await self.postgres.open()
        try:
            await self._claim_id_node()
        except BaseException:
            await self.postgres.close()
            raise

    async def close(self) -> None:
        if self._node_lock is not None:
            await self._release_id_node(self._node_lock)
            self._node_lock = None
        await self.postgres.close()

    async def _release_id_node(self, connection: AsyncConnection[Any]) -> None:
        # Unlock before closing: the server ends a closed session's backend a moment later,
        # and until then the node would still look taken to the next process.
        try:
            await connection.execute("SELECT pg_advisory_unlock_all()")
        except psycopg.Error:
            pass  # the connection is gone already, and the lock with it
        finally:
            await connection.close()

    async def _claim_id_node(self) -> None:
        """Hold one of the id nodes for as long as this process runs (the lock dies with its connection)."""
        connection = await AsyncConnection.connect(self.postgres.url, autocommit=True)
        for node in range(NODE_COUNT):
            row = await (await connection.execute("SELECT pg_try_advisory_lock(%s, %s)", (ID_NODE_LOCKS, node))).fetchone()
            if row is not None and row[0]:
                self._node_lock = connection
                self.ids.assign_node(node)
                return
        await connection.close()
        raise StorageError(
            "Too many processes share this database",
            detail=f"all {NODE_COUNT} id nodes are held; stop some servers or workers",
        )

    async def migrate(self) -> Sequence[str]:
        return await migrator.migrate(self.postgres)

    async def pending_migrations(self) -> Sequence[str]:
        return [migration.name for migration in await migrator.pending(self.postgres)]

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with migrator.startup_lock(self.postgres):
            yield

    async def backup(self, destination: Path, progress: BackupProgress | None = None) -> None:
        raise StorageError(
            "Back up PostgreSQL with its own tools",
            detail="use pg_dump (or continuous archiving); `insideout export` copies the data portably",
        )
