"""Single sign-ons in flight, one row per state, deleted by the callback that takes it."""

from __future__ import annotations

from datetime import datetime

from storage.clock import from_db, to_db
from storage.sql.database import Database
from storage.sso import PendingSsoSignIn

COLUMNS = "state_digest, browser_digest, nonce, code_verifier, return_to, created_at"


class SqlSsoSignInStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, pending: PendingSsoSignIn) -> None:
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO sso_sign_ins ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (pending.state_digest, pending.browser_digest, pending.nonce, pending.code_verifier,
                 pending.return_to, to_db(pending.created_at)),
            )

    async def take(self, state_digest: str) -> PendingSsoSignIn | None:
        # One statement: two callbacks racing with the same state cannot both get the row.
        async with self._db.write():
            row = await self._db.fetch_one(
                f"DELETE FROM sso_sign_ins WHERE state_digest = ? RETURNING {COLUMNS}", (state_digest,)
            )
        if row is None:
            return None
        return PendingSsoSignIn(
            state_digest=row["state_digest"], browser_digest=row["browser_digest"], nonce=row["nonce"],
            code_verifier=row["code_verifier"], return_to=row["return_to"], created_at=from_db(row["created_at"]),
        )

    async def purge(self, created_before: datetime) -> int:
        async with self._db.write():
            return await self._db.execute("DELETE FROM sso_sign_ins WHERE created_at < ?", (to_db(created_before),))
