"""The export file's shape, and what the export, the import and each backend's catalog share.

The file is gzip'd JSON lines: a header (format, schema version, tables),
then for each table a header line and its rows as JSON arrays, then a
trailer with the totals, so that a truncated file is told from a complete
one. Tables come in foreign-key order (computed from the schema, never a
fixed list), rows in primary-key order; bytes are ``{"$b64": "..."}``.

This module imports nothing of the backends: they import it
(``storage.sqlite.transfer``, ``storage.postgresql.transfer``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from activitypub.errors import StorageError

FORMAT = "insideout-export"
FORMAT_VERSION = 1
BATCH = 1000

# (table, rows done, rows in the table): called when a table starts, after each batch, and when it is done.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    # Other tables this one's foreign keys point at (itself included, if it does).
    references: frozenset[str]
    # (column, referenced column) of the foreign keys that point back into this table.
    self_references: tuple[tuple[str, str], ...] = ()


class Catalog(Protocol):
    """A backend's few specifics (``storage.sqlite.transfer``, ``storage.postgresql.transfer``)."""

    # Begins a read-only transaction whose reads all see one snapshot.
    SNAPSHOT: str

    async def describe(self, connection: Any) -> list[TableInfo]:
        """The data tables, leaving out derived and internal ones."""
        ...

    async def insert(self, connection: Any, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
        """Add ``rows`` to ``table`` inside the connection's transaction, the fastest way the backend has."""
        ...

    def after_import(self, tables: Sequence[str]) -> list[str]:
        """Statements to run once the import is committed."""
        ...


@dataclass(frozen=True, slots=True)
class Summary:
    tables: int
    rows: int
    schema_version: int


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def insert_statement(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(quoted(column) for column in columns)
    return f"INSERT INTO {quoted(table)} ({names}) VALUES ({', '.join('?' for _ in columns)})"


def dependency_order(tables: Sequence[TableInfo]) -> list[TableInfo]:
    """Tables after every table they reference; ties by name, so the order is stable."""
    by_name = {table.name: table for table in tables}
    waiting = {table.name: {name for name in table.references if name != table.name and name in by_name}
               for table in tables}
    ordered: list[TableInfo] = []
    while waiting:
        ready = sorted(name for name, needs in waiting.items() if not needs)
        if not ready:
            raise StorageError("Cannot order the tables", detail=f"foreign keys form a cycle among {sorted(waiting)}")
        for name in ready:
            ordered.append(by_name[name])
            del waiting[name]
        for needs in waiting.values():
            needs.difference_update(ready)
    return ordered


async def schema_version(connection: Any) -> int:
    rows = await connection.execute_fetchall("SELECT max(version) FROM schema_migrations")
    return int(rows[0][0] or 0)


def silent(table: str, done: int, total: int) -> None:
    return None
