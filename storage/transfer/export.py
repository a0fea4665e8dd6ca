"""Export a whole database to a portable file (``storage.transfer.format``).

The export reads one snapshot of a live database and writes it beside the
destination first, renaming it into place only when it is complete.
Derived tables (the search index) are not exported: the target's
triggers rebuild them as the rows arrive.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from activitypub.errors import InvalidInput, StorageError
from storage.protocols import Storage
from storage.sql.database import Database
from storage.transfer.catalogs import catalog_of, database_of
from storage.transfer.format import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    Catalog,
    Progress,
    Summary,
    TableInfo,
    dependency_order,
    quoted,
    schema_version,
    silent,
)


async def export_database(storage: Storage, destination: Path, progress: Progress | None = None) -> Summary:
    """Write one consistent snapshot of ``storage`` to ``destination``, which must not exist yet."""
    database = database_of(storage)
    catalog = catalog_of(database)
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        with _create_private(partial) as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as packed:
            summary = await _export(database, catalog, packed, progress or silent)
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


async def _export(database: Database, catalog: Catalog, out: gzip.GzipFile, progress: Progress) -> Summary:
    async with database.read() as connection:
        await connection.execute_fetchall(catalog.SNAPSHOT)
        try:
            tables = dependency_order(await catalog.describe(connection))
            version = await schema_version(connection)
            counts = {table.name: await _count(connection, table) for table in tables}
            _write(out, {
                "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": version,
                "backend": database.dialect.name,
                "tables": [{"name": t.name, "columns": list(t.columns), "rows": counts[t.name]} for t in tables],
            })
            for table in tables:
                total = counts[table.name]
                _write(out, {"table": table.name, "columns": list(table.columns), "rows": total})
                progress(table.name, 0, total)
                done = 0
                async for batch in _pages(connection, table):
                    out.write(b"".join(_encode_row(row) for row in batch))
                    done += len(batch)
                    progress(table.name, done, total)
                if done != total:
                    raise StorageError("The snapshot changed while it was read", detail=f"{table.name}: {done}/{total}")
            rows = sum(counts.values())
            _write(out, {"end": True, "tables": len(tables), "rows": rows})
        finally:
            await connection.execute_fetchall("COMMIT")
    return Summary(len(tables), rows, version)


async def _pages(connection: Any, table: TableInfo) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The rows in primary-key order, a page at a time, each page after the last key of the one before."""
    select = f"SELECT {', '.join(quoted(c) for c in table.columns)} FROM {quoted(table.name)}"
    key = table.primary_key or table.columns
    order = f"ORDER BY {', '.join(quoted(c) for c in key)}"
    positions = [table.columns.index(column) for column in key]
    if not table.primary_key:
        # Without a key there is nothing to seek to; such a table is small (none exists today).
        rows = await connection.execute_fetchall(f"{select} {order}")
        if rows:
            yield [tuple(row) for row in rows]
        return
    after: tuple[Any, ...] | None = None
    while True:
        if after is None:
            rows = await connection.execute_fetchall(f"{select} {order} LIMIT ?", (BATCH,))
        else:
            columns = ", ".join(quoted(c) for c in key)
            marks = ", ".join("?" for _ in key)
            rows = await connection.execute_fetchall(
                f"{select} WHERE ({columns}) > ({marks}) {order} LIMIT ?", (*after, BATCH)
            )
        if not rows:
            return
        batch = [tuple(row) for row in rows]
        yield batch
        if len(batch) < BATCH:
            return
        after = tuple(batch[-1][position] for position in positions)


async def _count(connection: Any, table: TableInfo) -> int:
    rows = await connection.execute_fetchall(f"SELECT count(*) FROM {quoted(table.name)}")
    return int(rows[0][0])


def _create_private(path: Path) -> IO[bytes]:
    """A new file only its owner reads: an export holds every account's private key and password hash."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InvalidInput(f"Cannot create {path}: {exc.strerror}") from None
    return os.fdopen(descriptor, "wb")


def _write(out: gzip.GzipFile, document: dict[str, Any]) -> None:
    out.write(json.dumps(document, separators=(",", ":")).encode() + b"\n")


def _encode_row(row: tuple[Any, ...]) -> bytes:
    values = [_encode_value(value) for value in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _encode_value(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value
