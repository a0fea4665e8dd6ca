"""Connections to one SQLite file: a single writer and a small pool of readers.

SQLite allows one writer at a time; serialising writes in-process behind an
asyncio lock avoids ``database is locked`` errors under load, while WAL
lets readers run beside the writer. A transaction is carried in a context
variable so that every store called inside ``write()`` joins it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite

from activitypub.errors import Conflict, StorageError
from storage.sql.database import Params
from storage.sql.dialect import Dialect
from storage.sqlite.dialect import SQLITE

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = NORMAL",
)


class SqliteDatabase:
    dialect: Dialect = SQLITE

    def __init__(self, path: str, readers: int = 4) -> None:
        self.path = path
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._current: ContextVar[aiosqlite.Connection | None] = ContextVar(f"sqlite-tx-{id(self)}", default=None)

    async def open(self) -> None:
        self._writer = await self._connect()
        for _ in range(self._reader_count):
            reader = await self._connect()
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        for connection in [*self._all_readers, *([self._writer] if self._writer else [])]:
            await connection.close()
        self._all_readers.clear()
        self._readers = asyncio.Queue()
        self._writer = None

    async def _connect(self) -> aiosqlite.Connection:
        try:
            connection = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError("Cannot open the database", detail=f"{self.path}: {exc}") from None
        connection.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        return connection

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StorageError("Storage is not open")
        return self._writer

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction; nested calls join the outer one."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self._write_lock:
            connection = self.writer
            await connection.execute("BEGIN IMMEDIATE")
            token = self._current.set(connection)
            try:
                yield connection
            except BaseException:
                await connection.rollback()
                raise
            else:
                await connection.commit()
            finally:
                self._current.reset(token)

    def write_lock(self) -> asyncio.Lock:
        """The lock that serialises writers, for work that manages its own transaction."""
        return self._write_lock

    def in_transaction(self) -> bool:
        """Whether the caller runs inside ``write()``; work handed to another task would deadlock then."""
        return self._current.get() is not None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A reader; inside a write transaction, the writer, so reads see its own writes."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        if self._writer is None:
            raise StorageError("Storage is not open")
        connection = await self._readers.get()
        try:
            yield connection
        finally:
            self._readers.put_nowait(connection)

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self.read() as connection:
            async with connection.execute(sql, _bind(params)) as cursor:
                row: sqlite3.Row | None = await cursor.fetchone()
                return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self.read() as connection:
            async with connection.execute(sql, _bind(params)) as cursor:
                return list(await cursor.fetchall())

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> int:
        """Run one statement for many rows in one transaction; returns the rows changed in all."""
        async with self.write() as connection:
            before = connection.total_changes
            try:
                await connection.executemany(sql, [tuple(row) for row in rows])
            except sqlite3.IntegrityError as exc:
                raise integrity_error(exc) from None
            return connection.total_changes - before

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own (or the current) transaction; returns rows changed."""
        async with self.write() as connection:
            try:
                cursor = await connection.execute(sql, _bind(params))
            except sqlite3.IntegrityError as exc:
                raise integrity_error(exc) from None
            return cursor.rowcount


def _bind(params: Params) -> tuple[Any, ...] | Mapping[str, Any]:
    return params if isinstance(params, Mapping) else tuple(params)


def integrity_error(exc: sqlite3.IntegrityError) -> Conflict:
    """Map a constraint failure to the client-safe Conflict, keeping the detail for logs."""
    message = str(exc)
    if "UNIQUE" in message:
        return Conflict("Already taken", detail=message)
    return Conflict("Conflicts with existing data", detail=message)
