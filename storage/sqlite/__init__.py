"""The embedded SQLite backend (aiosqlite, WAL)."""

from storage.sqlite.storage import SqliteStorage

__all__ = ["SqliteStorage"]
