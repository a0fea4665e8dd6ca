"""Which backend's catalog (``storage.transfer.format.Catalog``) a storage's database needs.

The one place the transfer names the backends; it imports them when asked,
so that loading the format never loads a database driver.
"""

from __future__ import annotations

from activitypub.errors import StorageError
from storage.protocols import Storage
from storage.sql.database import Database
from storage.transfer.format import Catalog


def database_of(storage: Storage) -> Database:
    database: Database | None = getattr(storage, "database", None)
    if database is None:
        raise StorageError("This storage cannot be exported or imported", detail=type(storage).__name__)
    return database


def catalog_of(database: Database) -> Catalog:
    if database.dialect.name == "postgresql":
        from storage.postgresql import transfer as postgresql

        return postgresql
    from storage.sqlite import transfer as sqlite

    return sqlite
