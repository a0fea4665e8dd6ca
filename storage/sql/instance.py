"""Instance-wide facts (the base URL fixed at first start, and the like)."""

from __future__ import annotations

from storage.sql.database import Database


class SqlInstanceStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetch_one("SELECT value FROM instance_meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO instance_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
