"""Numbered SQL migrations as files in a package, and which of them a database still needs.

Each backend keeps its own folder of scripts and applies them its own way
(``storage.sqlite.migrator``, ``storage.postgresql.migrator``); the naming,
the order and the refusal of a schema newer than the code are shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from activitypub.errors import StorageError

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(package: str) -> list[Migration]:
    folder = resources.files(package)
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda migration: migration.version)


def still_to_apply(known: list[Migration], applied: set[int]) -> list[Migration]:
    """The known migrations not yet applied; refuses a schema that has some this code doesn't know."""
    unknown = applied - {migration.version for migration in known}
    if unknown:
        raise StorageError(
            "The database schema is newer than this version of Insideout",
            detail=f"unknown migration versions {sorted(unknown)}; upgrade the code before serving",
        )
    return [migration for migration in known if migration.version not in applied]
