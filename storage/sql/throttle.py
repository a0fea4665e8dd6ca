"""Sign-in token buckets as rows, spent by one upsert on both backends."""

from __future__ import annotations

from storage.sql.database import Database
from storage.throttle import BucketRule, Spent


class SqlThrottleStore:
    def __init__(self, database: Database) -> None:
        self._db = database
        dialect = database.dialect
        refilled = dialect.larger("0", ":now - sign_in_buckets.updated_at")
        level = dialect.smaller(":capacity", f"sign_in_buckets.tokens + {refilled} * :rate")
        # One statement: PostgreSQL locks the conflicting row and re-checks the WHERE on its newest
        # version, SQLite runs it under the database's write lock, so a token is never spent twice.
        # A refusal changes nothing (no row comes back), so the stored level stays exact.
        self._spend_sql = f"""
INSERT INTO sign_in_buckets (key, tokens, updated_at) VALUES (:key, :capacity - 1, :now)
ON CONFLICT (key) DO UPDATE SET tokens = {level} - 1, updated_at = :now
WHERE {level} >= 1
RETURNING tokens
"""

    async def spend(self, key: str, rule: BucketRule, now: float) -> Spent:
        params = {"key": key, "capacity": float(rule.capacity), "rate": rule.rate, "now": now}
        async with self._db.write() as connection:
            async with connection.execute(self._spend_sql, params) as cursor:
                row = await cursor.fetchone()
        if row is not None:
            return Spent(True, float(row["tokens"]))
        return Spent(False, await self.level(key, rule, now))

    async def level(self, key: str, rule: BucketRule, now: float) -> float:
        row = await self._db.fetch_one("SELECT tokens, updated_at FROM sign_in_buckets WHERE key = ?", (key,))
        if row is None:
            return float(rule.capacity)
        return rule.level(float(row["tokens"]), float(row["updated_at"]), now)

    async def forget_full(self, idle_since: float) -> int:
        return await self._db.execute("DELETE FROM sign_in_buckets WHERE updated_at <= ?", (idle_since,))
