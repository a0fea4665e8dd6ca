"""Numbered SQL migrations, applied in order, each in its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from storage.clock import to_db, utcnow
from activitypub.errors import StorageError
from storage.sqlite.database import SqliteDatabase

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(package: str = "storage.sqlite.migrations") -> list[Migration]:
    folder = resources.files(package)
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda migration: migration.version)


async def applied_versions(database: SqliteDatabase) -> set[int]:
    await database.writer.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await database.fetch_all("SELECT version FROM schema_migrations")
    return {int(row["version"]) for row in rows}


async def pending(database: SqliteDatabase) -> list[Migration]:
    return still_to_apply(available_migrations(), await applied_versions(database))


def still_to_apply(known: list[Migration], applied: set[int]) -> list[Migration]:
    """The known migrations not yet applied; refuses a schema that has some this code doesn't know."""
    unknown = applied - {migration.version for migration in known}
    if unknown:
        raise StorageError(
            "The database schema is newer than this version of Insideout",
            detail=f"unknown migration versions {sorted(unknown)}; upgrade the code before serving",
        )
    return [migration for migration in known if migration.version not in applied]


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
