"""Which storage backend the suite runs on, and a fresh database on it per test.

``scripts/test`` runs the whole suite once per backend; TEST_STORAGE_BACKEND
picks it. On PostgreSQL each test gets its own schema in one database,
named after the test's tmp_path so that a test reopening "the same"
database gets it, and migrated by the code under test like a new install.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

BACKEND = os.environ.get("TEST_STORAGE_BACKEND", "sqlite")
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:54329/postgres")

_created: list[str] = []


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


def database_url(schema: str) -> str:
    """The test database, with ``schema`` first on the search path: every table lands in it."""
    return f"{ADMIN_URL}?options=-csearch_path%3D{schema}"


def fresh_database(tmp_path: Path, name: str = "insideout.sqlite3") -> str:
    """A SQLite path under ``tmp_path``, or an empty PostgreSQL schema made for it.

    A schema per test, not a database: creating a database copies a template
    on disk, several times slower than migrating an empty schema.
    """
    if not on_postgresql():
        return str(tmp_path / "data" / name) if name == "insideout.sqlite3" else str(tmp_path / name)
    schema = "t_" + hashlib.sha1(f"{tmp_path}/{name}".encode()).hexdigest()[:20]
    if schema not in _created:
        _admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
        _created.append(schema)
    return database_url(schema)


def kept_past_the_test(database: str) -> Callable[[], None]:
    """Keep ``database`` (from ``fresh_database``) past the test that made it, for a server a module's tests
    share; returns what drops it. On SQLite there is nothing to keep: the file goes with its tmp folder."""
    schema = next((s for s in _created if database_url(s) == database), None)
    if schema is None:
        return lambda: None
    _created.remove(schema)
    return lambda: _admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def drop_created() -> None:
    """Drop every schema made since the last call (after each test: the cluster stays small)."""
    while _created:
        _admin(f"DROP SCHEMA IF EXISTS {_created.pop()} CASCADE")


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement.encode())


def only_on_sqlite(reason: str) -> pytest.MarkDecorator:
    import pytest

    return pytest.mark.skipif(on_postgresql(), reason=f"SQLite only: {reason}")


def only_on_postgresql(reason: str) -> pytest.MarkDecorator:
    import pytest

    return pytest.mark.skipif(not on_postgresql(), reason=f"PostgreSQL only: {reason}")
