"""What the shared stores need of a database; ``storage.sqlite`` and ``storage.postgresql`` both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from storage.sql.dialect import Dialect

Params = Iterable[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row, by position or by column name (``sqlite3.Row`` and the PostgreSQL row both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Database(Protocol):
    """A transaction carried across stores, and the few calls they make.

    Connections given by ``write()`` and ``read()`` offer aiosqlite's
    ``execute`` / ``executemany`` / ``execute_fetchall``. The database's own
    ``execute`` and ``execute_many`` turn a broken constraint into
    ``Conflict`` on both engines; a SQLite connection's ``execute`` raises
    the driver's error instead, so a store that must map it uses these.
    """

    dialect: Dialect

    def write(self) -> AbstractAsyncContextManager[Any]: ...

    def read(self) -> AbstractAsyncContextManager[Any]: ...

    def in_transaction(self) -> bool: ...

    async def fetch_one(self, sql: str, params: Params = ()) -> Any: ...

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Any]: ...

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> int: ...

    async def execute(self, sql: str, params: Params = ()) -> int: ...
