"""One-time password links, one row each, keyed by the digest of the token in the link."""

from __future__ import annotations

from datetime import datetime

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.password_links import LinkPurpose, NewPasswordLink, PasswordLink
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

COLUMNS = "id, account_id, digest, purpose, created_by, created_at, expires_at, used_at"


class SqlPasswordLinkStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def add(self, link: NewPasswordLink) -> PasswordLink:
        link_id = self._ids.next_id()
        now = to_db(utcnow())
        async with self._db.write():
            await self._db.execute(
                "UPDATE password_links SET used_at = ? WHERE account_id = ? AND used_at IS NULL",
                (now, link.account_id),
            )
            await self._db.execute(
                f"INSERT INTO password_links ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (link_id, link.account_id, link.digest, link.purpose.value, link.created_by, now,
                 to_db(link.expires_at)),
            )
            row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM password_links WHERE id = ?", (link_id,))
        return _link(read_back(row, "the password link"))

    async def get(self, digest: str) -> PasswordLink | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM password_links WHERE digest = ?", (digest,))
        return _link(row) if row else None

    async def use(self, digest: str, now: datetime) -> PasswordLink | None:
        # One statement: of two requests racing with the same link, only one finds it unused.
        async with self._db.write():
            row = await self._db.fetch_one(
                "UPDATE password_links SET used_at = ? WHERE digest = ? AND used_at IS NULL AND expires_at > ?"
                f" RETURNING {COLUMNS}",
                (to_db(now), digest, to_db(now)),
            )
        return _link(row) if row else None

    async def void_for_account(self, account_id: int, now: datetime) -> int:
        async with self._db.write():
            return await self._db.execute(
                "UPDATE password_links SET used_at = ? WHERE account_id = ? AND used_at IS NULL",
                (to_db(now), account_id),
            )


def _link(row: Row) -> PasswordLink:
    return PasswordLink(
        id=int(row["id"]), account_id=int(row["account_id"]), digest=row["digest"],
        purpose=LinkPurpose(row["purpose"]), created_by=row["created_by"], created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]), used_at=from_db(row["used_at"]) if row["used_at"] else None,
    )
