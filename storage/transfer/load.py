"""Import an export (``storage.transfer.format``) into a new, empty database.

The import writes in one transaction, so a failed import leaves the target
as empty as it was; it refuses a file of another schema version, and a
target that already holds rows.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activitypub.errors import InvalidInput, StorageError
from storage.protocols import Storage
from storage.transfer.catalogs import catalog_of, database_of
from storage.transfer.format import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    Catalog,
    Progress,
    Summary,
    TableInfo,
    quoted,
    schema_version,
    silent,
)


@dataclass(frozen=True, slots=True)
class Section:
    table: str
    columns: tuple[str, ...]
    rows: int


class ExportFile:
    """Reads an export line by line; every way it can be wrong is an ``InvalidInput`` naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._lines = gzip.GzipFile(path, "rb")
        except OSError as exc:
            raise InvalidInput(f"Cannot read {path}: {exc.strerror or exc}") from None
        try:
            header = self._document()
            if header.get("format") != FORMAT:
                raise self._invalid("not an Insideout export")
            if header.get("format_version") != FORMAT_VERSION:
                found = header.get("format_version")
                raise self._invalid(f"export format {found!r}, this version reads {FORMAT_VERSION}")
            self.schema_version = int(header["schema_version"])
            self.sections = [
                Section(str(table["name"]), tuple(str(c) for c in table["columns"]), int(table["rows"]))
                for table in header["tables"]
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.close()
            raise self._invalid(f"malformed header ({exc})") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._lines.close()

    def open_section(self, expected: Section) -> None:
        header = self._document()
        if (header.get("table"), header.get("columns"), header.get("rows")) != (
            expected.table, list(expected.columns), expected.rows
        ):
            raise self._invalid(f"table {expected.table!r} does not start where the header says")

    def batches(self, section: Section) -> Iterator[list[list[Any]]]:
        remaining = section.rows
        width = len(section.columns)
        while remaining:
            size = min(BATCH, remaining)
            batch = [self._row(width) for _ in range(size)]
            remaining -= size
            yield batch

    def finish(self, tables: int, rows: int) -> None:
        trailer = self._document()
        if trailer != {"end": True, "tables": tables, "rows": rows}:
            raise self._invalid("the trailer does not match the contents")
        if self._read_line() is not None:
            raise self._invalid("data after the trailer")

    def _row(self, width: int) -> list[Any]:
        line = self._read_line()
        if line is None:
            raise self._invalid("it ends in the middle of a table (truncated?)")
        try:
            values = json.loads(line)
        except ValueError as exc:
            raise self._invalid(f"unreadable row ({exc})") from None
        if not isinstance(values, list) or len(values) != width:
            raise self._invalid(f"a row with {len(values) if isinstance(values, list) else 'no'} values, not {width}")
        return [_decode_value(value, self) for value in values]

    def _document(self) -> dict[str, Any]:
        line = self._read_line()
        if line is None:
            raise self._invalid("it ends early (truncated?)")
        try:
            document = json.loads(line)
        except ValueError:
            raise self._invalid("not an Insideout export") from None
        if not isinstance(document, dict):
            raise self._invalid("not an Insideout export")
        return document

    def _read_line(self) -> bytes | None:
        try:
            line = self._lines.readline()
        except (OSError, EOFError, zlib.error) as exc:
            reason = "not a gzip file" if isinstance(exc, gzip.BadGzipFile) else "truncated or corrupt"
            raise self._invalid(reason) from None
        return line or None

    def _invalid(self, reason: str) -> InvalidInput:
        return InvalidInput(f"{self.path} is not a usable Insideout export: {reason}")


def _decode_value(value: Any, source: ExportFile) -> Any:
    if isinstance(value, dict):
        encoded = value.get("$b64")
        if len(value) != 1 or not isinstance(encoded, str):
            raise source._invalid("an unknown value encoding")
        try:
            return base64.b64decode(encoded, validate=True)
        except ValueError:
            raise source._invalid("bad base64 in a row") from None
    return value


async def import_database(storage: Storage, source: Path, progress: Progress | None = None) -> Summary:
    """Load an export into ``storage``, which must be migrated to the same version and hold no rows."""
    database = database_of(storage)
    catalog = catalog_of(database)
    export = ExportFile(source)
    report = progress or silent
    try:
        async with database.write() as connection:
            targets = {table.name: table for table in await catalog.describe(connection)}
            version = await schema_version(connection)
            if export.schema_version != version:
                raise InvalidInput(
                    f"The export has schema version {export.schema_version} but this database has {version}:"
                    " run the same Insideout version on both sides (upgrade, then `insideout db migrate`)"
                )
            _check_compatible(export.sections, targets)
            await _check_empty(connection, targets.values())
            for section in export.sections:
                export.open_section(section)
                await _load(connection, catalog, export, section, targets[section.table], report)
            rows = sum(section.rows for section in export.sections)
            export.finish(len(export.sections), rows)
    finally:
        export.close()
    for statement in catalog.after_import(list(targets)):
        await database.execute(statement)
    return Summary(len(export.sections), rows, version)


def _check_compatible(sections: Sequence[Section], targets: dict[str, TableInfo]) -> None:
    loaded: set[str] = set()
    for section in sections:
        target = targets.get(section.table)
        if target is None:
            raise InvalidInput(f"The export has a table {section.table!r} this database does not")
        missing = set(section.columns) - set(target.columns)
        if missing:
            raise InvalidInput(f"This database's table {section.table!r} lacks the columns {sorted(missing)}")
        early = {name for name in target.references if name != target.name and name not in loaded}
        if early & {s.table for s in sections}:
            raise InvalidInput(f"The export has {section.table!r} before the tables it references: {sorted(early)}")
        loaded.add(section.table)


async def _check_empty(connection: Any, tables: Any) -> None:
    for table in tables:
        if await connection.execute_fetchall(f"SELECT 1 FROM {quoted(table.name)} LIMIT 1"):
            raise InvalidInput(
                f"The database is not empty (table {table.name} has rows): import into a new database,"
                " prepared with `insideout db migrate` and never started with `serve`"
            )


async def _load(
    connection: Any, catalog: Catalog, export: ExportFile, section: Section, target: TableInfo, progress: Progress
) -> None:
    forward = _ForwardReferences(section, target)
    progress(section.table, 0, section.rows)
    done = 0
    # The database stores one batch while the next is read and decoded: the two take about as long.
    storing: asyncio.Future[None] | None = None
    try:
        for batch in export.batches(section):
            rows = [forward.hold_back(row) for row in batch]
            if storing is not None:
                await storing
                progress(section.table, done, section.rows)
            insert = catalog.insert(connection, section.table, section.columns, rows)
            storing = asyncio.ensure_future(_run(section.table, insert))
            done += len(rows)
        if storing is not None:
            await storing
    except BaseException:
        if storing is not None and not storing.done():
            storing.cancel()
            await asyncio.gather(storing, return_exceptions=True)
        raise
    if done:
        progress(section.table, done, section.rows)
    for statement, references in forward.updates():
        await _run(section.table, connection.executemany(statement, references))


async def _run(table: str, work: Any) -> None:
    try:
        await work
    except InvalidInput:
        raise
    except Exception as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = getattr(exc, "detail", None) or first_line
        raise StorageError(f"Import failed in table {table}", detail=detail) from None


class _ForwardReferences:
    """Rows that point at a row of their own table not loaded yet get the reference afterwards.

    Rows arrive in key order, so a reference to a larger key (a reply
    fetched before the post it answers) is inserted empty and set once
    the whole table is in.
    """

    def __init__(self, section: Section, target: TableInfo) -> None:
        self.table = section.table
        self.key = target.primary_key[0] if len(target.primary_key) == 1 else None
        self.key_position = section.columns.index(self.key) if self.key in section.columns else None
        self.columns = [
            (column, section.columns.index(column))
            for column, referenced in target.self_references
            if referenced == self.key and column in section.columns and self.key_position is not None
        ]
        self.held: dict[str, list[tuple[Any, Any]]] = {column: [] for column, _ in self.columns}

    def hold_back(self, row: list[Any]) -> list[Any]:
        if self.key_position is None:
            return row
        key = row[self.key_position]
        for column, position in self.columns:
            value = row[position]
            if value is not None and _later(value, key):
                self.held[column].append((value, key))
                row[position] = None
        return row

    def updates(self) -> Iterator[tuple[str, list[tuple[Any, Any]]]]:
        for column, rows in self.held.items():
            if rows and self.key is not None:
                yield f"UPDATE {quoted(self.table)} SET {quoted(column)} = ? WHERE {quoted(self.key)} = ?", rows


def _later(value: Any, key: Any) -> bool:
    try:
        return bool(value > key)
    except TypeError:
        return True
