"""What ``storage.transfer`` needs to know of a PostgreSQL schema: its tables, keys and references."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from storage.transfer.format import TableInfo, quoted

# One snapshot for every table; READ ONLY lets the server skip the bookkeeping of writes.
SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
# The migrator's bookkeeping, and the search table its triggers rebuild from statuses and media.
INTERNAL = frozenset({"schema_migrations", "status_search"})

_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
_COLUMNS = f"""
    SELECT c.relname AS table_name, a.attname AS column_name
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = {_SCHEMA} AND c.relkind = 'r' AND a.attnum > 0
      AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY c.relname, a.attnum
"""
_KEYS = f"""
    SELECT c.relname AS table_name, k.contype AS kind, r.relname AS referenced,
           a.attname AS column_name, ra.attname AS referenced_column
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    LEFT JOIN pg_class r ON r.oid = k.confrelid
    JOIN LATERAL unnest(k.conkey, coalesce(k.confkey, k.conkey)) WITH ORDINALITY AS key (attnum, refnum, position)
        ON true
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
    LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = key.refnum
    WHERE k.connamespace = {_SCHEMA} AND k.contype IN ('p', 'f')
    ORDER BY c.relname, k.conname, key.position
"""


async def describe(connection: Any) -> list[TableInfo]:
    columns: dict[str, list[str]] = defaultdict(list)
    for row in await connection.execute_fetchall(_COLUMNS):
        columns[str(row["table_name"])].append(str(row["column_name"]))
    primary_keys: dict[str, list[str]] = defaultdict(list)
    references: dict[str, set[str]] = defaultdict(set)
    self_references: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in await connection.execute_fetchall(_KEYS):
        table = str(row["table_name"])
        if row["kind"] == "p":
            primary_keys[table].append(str(row["column_name"]))
            continue
        references[table].add(str(row["referenced"]))
        if row["referenced"] == table:
            self_references[table].append((str(row["column_name"]), str(row["referenced_column"])))
    return [
        TableInfo(
            name=table,
            columns=tuple(names),
            primary_key=tuple(primary_keys[table]),
            references=frozenset(references[table]),
            self_references=tuple(self_references[table]),
        )
        for table, names in sorted(columns.items())
        if table not in INTERNAL
    ]


async def insert(connection: Any, table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    """COPY, an order of magnitude faster than INSERTs; it fires the same triggers and checks the same keys."""
    names = ", ".join(quoted(column) for column in columns)
    async with connection.raw.cursor() as cursor:
        async with cursor.copy(f"COPY {quoted(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                await copy.write_row(row)


def after_import(tables: Sequence[str]) -> list[str]:
    # Plans for a freshly loaded table are guesses until it is analysed; autovacuum would get there later.
    return [f"ANALYZE {quoted(table)}" for table in tables]
