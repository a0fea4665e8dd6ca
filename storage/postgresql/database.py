"""A pool of PostgreSQL connections that looks, to the stores, like ``SqliteDatabase``.

Statements are bound client-side (psycopg's ``AsyncClientCursor``): values
become literals the server types from context, which is how the stores'
shared SQL, written for SQLite's loose typing, stays one text for both
engines. A transaction is carried in a context variable, as on SQLite, so
every store called inside ``write()`` joins it. Unlike SQLite, writers run
concurrently; row locks and constraints keep them apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from types import TracebackType
from typing import Any

import psycopg
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from activitypub.errors import Conflict, StorageError
from storage.postgresql.dialect import POSTGRESQL
from storage.postgresql.sql import translate
from storage.sql.database import Params
from storage.sql.dialect import Dialect


class Row(tuple[Any, ...]):
    """A result row readable by position or column name, like ``sqlite3.Row``."""

    _columns: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._columns[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._columns)


def _row_factory(cursor: Any) -> RowMaker[Row]:
    row_class = _row_class(tuple(column.name for column in cursor.description or ()))

    def make(values: Sequence[Any]) -> Row:
        return row_class(values)

    return make


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    """One class per result shape, made once: every query runs this, so it must not build a class each time."""
    columns = {name: index for index, name in reversed(list(enumerate(names)))}
    return type("Row", (Row,), {"_columns": columns, "__slots__": ()})


def _bind(params: Params) -> tuple[Any, ...] | Mapping[str, Any]:
    return params if isinstance(params, Mapping) else tuple(params)


def _conflict(exc: psycopg.errors.IntegrityError) -> Conflict:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return Conflict("Already taken", detail=message)
    return Conflict("Conflicts with existing data", detail=message)


class PgCursor:
    def __init__(self, cursor: AsyncClientCursor[Row]) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Row | None:
        return await self._cursor.fetchone() if self._cursor.description else None

    async def fetchall(self) -> list[Row]:
        return await self._cursor.fetchall() if self._cursor.description else []

    async def close(self) -> None:
        await self._cursor.close()


class PgResult:
    """What ``execute`` returns: awaitable for the cursor, or ``async with`` to close it after."""

    def __init__(self, connection: AsyncConnection[Row], sql: str, params: Params) -> None:
        self._connection = connection
        self._sql = sql
        self._params = params
        self._cursor: PgCursor | None = None

    async def _run(self) -> PgCursor:
        cursor = AsyncClientCursor(self._connection, row_factory=_row_factory)
        try:
            await cursor.execute(translate(self._sql), _bind(self._params) or None)
        except psycopg.errors.IntegrityError as exc:
            await cursor.close()
            raise _conflict(exc) from None
        self._cursor = PgCursor(cursor)
        return self._cursor

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class PgConnection:
    """The part of aiosqlite's connection the stores use, on a psycopg connection."""

    def __init__(self, connection: AsyncConnection[Row]) -> None:
        self.raw = connection

    def execute(self, sql: str, params: Params = ()) -> PgResult:
        return PgResult(self.raw, sql, params)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.execute(sql, params) as cursor:
            return await cursor.fetchall()

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> int:
        batch = [tuple(row) for row in rows]
        if not batch:
            return 0
        async with AsyncClientCursor(self.raw, row_factory=_row_factory) as cursor:
            try:
                # psycopg pipelines the statements: one round trip for the batch, not one per row.
                await cursor.executemany(translate(sql), batch)
            except psycopg.errors.IntegrityError as exc:
                raise _conflict(exc) from None
            return max(cursor.rowcount, 0)


class PostgresDatabase:
    dialect: Dialect = POSTGRESQL

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self._min_size = min_size
        self._max_size = max_size
        self._pool: AsyncConnectionPool[AsyncConnection[Row]] | None = None
        self._current: ContextVar[PgConnection | None] = ContextVar(f"pg-tx-{id(self)}", default=None)

    async def open(self) -> None:
        pool: AsyncConnectionPool[AsyncConnection[Row]] = AsyncConnectionPool(
            self.url, min_size=self._min_size, max_size=self._max_size, open=False,
            kwargs={"autocommit": True, "row_factory": _row_factory, "prepare_threshold": None},
            name="insideout", timeout=30.0,
        )
        try:
            await pool.open(wait=True, timeout=15.0)
        except Exception as exc:  # psycopg_pool raises PoolTimeout with the cause in its message
            await pool.close()
            raise StorageError("Cannot open the database", detail=f"{_redacted(self.url)}: {exc}") from None
        self._pool = pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> AsyncConnectionPool[AsyncConnection[Row]]:
        if self._pool is None:
            raise StorageError("Storage is not open")
        return self._pool

    @asynccontextmanager
    async def write(self) -> AsyncIterator[PgConnection]:
        """A transaction; nested calls join the outer one."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self.pool.connection() as raw:
            async with raw.transaction():
                connection = PgConnection(raw)
                token = self._current.set(connection)
                try:
                    yield connection
                finally:
                    self._current.reset(token)

    def in_transaction(self) -> bool:
        return self._current.get() is not None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PgConnection]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self.pool.connection() as raw:
            yield PgConnection(raw)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self.read() as connection:
            async with connection.execute(sql, params) as cursor:
                return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.read() as connection:
            async with connection.execute(sql, params) as cursor:
                return await cursor.fetchall()

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> int:
        async with self.write() as connection:
            return await connection.executemany(sql, rows)

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.write() as connection:
            async with connection.execute(sql, params) as cursor:
                return cursor.rowcount


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable database URL>"
    info.pop("password", None)
    return " ".join(f"{key}={value}" for key, value in info.items())
