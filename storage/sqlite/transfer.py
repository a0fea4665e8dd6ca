"""What ``storage.transfer`` needs to know of a SQLite schema: its tables, keys and references."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.transfer.format import TableInfo, insert_statement, quoted

# Deferred: the first SELECT fixes the WAL snapshot that every later one in the transaction sees.
SNAPSHOT = "BEGIN"
# Bookkeeping of the migrator, not data: the target has its own.
INTERNAL = frozenset({"schema_migrations"})


async def describe(connection: Any) -> list[TableInfo]:
    """Every data table; virtual tables (the FTS index) and their shadow tables are derived, so left out."""
    rows = await connection.execute_fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    virtual = [row[0] for row in rows if str(row[1] or "").upper().startswith("CREATE VIRTUAL TABLE")]
    tables = []
    for row in rows:
        name = str(row[0])
        if name in INTERNAL or name.startswith("sqlite_") or _derived(name, virtual):
            continue
        tables.append(await _table(connection, name))
    return tables


def _derived(name: str, virtual: list[str]) -> bool:
    return any(name == table or name.startswith(f"{table}_") for table in virtual)


async def _table(connection: Any, name: str) -> TableInfo:
    columns = await connection.execute_fetchall(f"PRAGMA table_info({quoted(name)})")
    keys = sorted((int(column["pk"]), str(column["name"])) for column in columns if int(column["pk"]) > 0)
    primary_key = tuple(column for _, column in keys)
    references = await connection.execute_fetchall(f"PRAGMA foreign_key_list({quoted(name)})")
    return TableInfo(
        name=name,
        columns=tuple(str(column["name"]) for column in columns),
        primary_key=primary_key,
        references=frozenset(str(reference["table"]) for reference in references),
        self_references=tuple(
            # A reference without a column names the referenced table's primary key.
            (str(reference["from"]), str(reference["to"] or (primary_key[0] if primary_key else "")))
            for reference in references
            if reference["table"] == name
        ),
    )


async def insert(connection: Any, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    await connection.executemany(insert_statement(table, columns), rows)


def after_import(tables: Sequence[str]) -> list[str]:
    # Refresh the planner's statistics, if the database keeps any, now that the tables are full.
    return ["PRAGMA optimize"]
