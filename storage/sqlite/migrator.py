"""Numbered SQLite migrations, applied in order, each in its own transaction."""

from __future__ import annotations

from activitypub.errors import StorageError
from storage.clock import to_db, utcnow
from storage.sql.migrations import Migration, available_migrations, still_to_apply
from storage.sqlite.database import SqliteDatabase

PACKAGE = "storage.sqlite.migrations"


def sqlite_migrations() -> list[Migration]:
    return available_migrations(PACKAGE)


async def applied_versions(database: SqliteDatabase) -> set[int]:
    await database.writer.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await database.fetch_all("SELECT version FROM schema_migrations")
    return {int(row["version"]) for row in rows}


async def pending(database: SqliteDatabase) -> list[Migration]:
    return still_to_apply(sqlite_migrations(), await applied_versions(database))


async def migrate(database: SqliteDatabase) -> list[str]:
    applied = []
    for migration in await pending(database):
        # executescript commits first and runs the script as-is, so the
        # explicit BEGIN/COMMIT around it makes one migration one transaction.
        script = (
            "BEGIN IMMEDIATE;\n"
            + migration.sql
            + f"\nINSERT INTO schema_migrations (version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', '{to_db(utcnow())}');\nCOMMIT;"
        )
        async with database.write_lock():
            try:
                await database.writer.executescript(script)
            except Exception as exc:
                await database.writer.rollback()
                raise StorageError("Migration failed", detail=f"{migration.name}: {exc}") from None
        applied.append(migration.name)
    return applied
