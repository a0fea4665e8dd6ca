"""Numbered PostgreSQL migrations, applied in order under an advisory lock.

Many processes on many machines may start at once; the lock makes one of
them migrate while the others wait, then find nothing pending.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection

from activitypub.errors import StorageError
from storage.clock import to_db, utcnow
from storage.postgresql.database import PostgresDatabase
from storage.sql.migrations import Migration, available_migrations, still_to_apply

# Any constant both sides agree on; spells "insideout" in ASCII, truncated to a bigint.
MIGRATION_LOCK = 0x696E736964656F75
STARTUP_LOCK = MIGRATION_LOCK + 1

SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations"
    " (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def postgres_migrations() -> list[Migration]:
    return available_migrations("storage.postgresql.migrations")


async def pending(database: PostgresDatabase) -> list[Migration]:
    async with database.pool.connection() as raw:
        return await _pending(raw)


async def _pending(raw: AsyncConnection[Any]) -> list[Migration]:
    known = postgres_migrations()
    exists = await (await raw.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")).fetchone()
    if exists is None or not exists[0]:
        return known
    rows = await (await raw.execute("SELECT version FROM schema_migrations")).fetchall()
    return still_to_apply(known, {int(row[0]) for row in rows})


@asynccontextmanager
async def startup_lock(database: PostgresDatabase) -> AsyncIterator[None]:
    """Bootstrapping (first admin, company, instance actor) runs in one process at a time."""
    async with database.pool.connection() as raw:
        await raw.execute("SELECT pg_advisory_lock(%s)", (STARTUP_LOCK,))
        try:
            yield
        finally:
            await raw.execute("SELECT pg_advisory_unlock(%s)", (STARTUP_LOCK,))


async def migrate(database: PostgresDatabase) -> list[str]:
    applied: list[str] = []
    async with database.pool.connection() as raw:
        await raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            await raw.execute(SCHEMA_TABLE)
            for migration in await _pending(raw):
                try:
                    async with raw.transaction():
                        # No parameters: psycopg sends the script as one simple query, $$ bodies and all.
                        await raw.execute(migration.sql.encode())
                        await raw.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                            (migration.version, migration.name, to_db(utcnow())),
                        )
                except StorageError:
                    raise
                except Exception as exc:
                    raise StorageError("Migration failed", detail=f"{migration.name}: {exc}") from None
                applied.append(migration.name)
        finally:
            await raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return applied
