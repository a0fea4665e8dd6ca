"""Storage: domain records, one Protocol per aggregate, and the backends."""

from __future__ import annotations

from storage.errors import ConfigError
from storage.protocols import Storage


def open_storage(database: str) -> Storage:
    """Pick the backend for ``[storage] database``: a SQLite path, or (later) a PostgreSQL URL."""
    if database.startswith(("postgresql://", "postgres://")):
        raise ConfigError("[storage] database: the PostgreSQL backend is not available in this version")
    from storage.sqlite import SqliteStorage

    return SqliteStorage(database.removeprefix("sqlite://"))


__all__ = ["Storage", "open_storage"]
