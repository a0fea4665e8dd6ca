"""Storage: domain records, one Protocol per aggregate, and the backends."""

from __future__ import annotations

from storage.protocols import Storage


def open_storage(database: str) -> Storage:
    """Pick the backend for ``[storage] database``: a SQLite path, or a PostgreSQL URL."""
    if database.startswith(("postgresql://", "postgres://")):
        from storage.postgresql.storage import PostgresStorage

        return PostgresStorage(database)
    from storage.sqlite import SqliteStorage

    return SqliteStorage(database.removeprefix("sqlite://"))


__all__ = ["Storage", "open_storage"]
