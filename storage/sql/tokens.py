"""OAuth access tokens and web sessions, stored as digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import AccessToken, WebSession
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

TOKEN_COLUMNS = "id, account_id, application_id, scopes, created_at, revoked_at, acting_as_account_id"
SESSION_COLUMNS = "id, account_id, created_at, revoked_at"


def _optional_time(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def token_from_row(row: Row) -> AccessToken:
    return AccessToken(
        id=row["id"],
        account_id=row["account_id"],
        application_id=row["application_id"],
        scopes=tuple(row["scopes"].split()),
        created_at=from_db(row["created_at"]),
        revoked_at=_optional_time(row["revoked_at"]),
        acting_as_account_id=row["acting_as_account_id"],
    )


def session_from_row(row: Row) -> WebSession:
    return WebSession(
        id=row["id"],
        account_id=row["account_id"],
        created_at=from_db(row["created_at"]),
        revoked_at=_optional_time(row["revoked_at"]),
    )


class SqlTokenStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create_access_token(
        self, token_digest: str, account_id: int | None, application_id: int | None, scopes: Sequence[str]
    ) -> AccessToken:
        token_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO oauth_access_tokens (id, token_digest, application_id, account_id, scopes, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, token_digest, application_id, account_id, " ".join(scopes), to_db(utcnow())),
            )
            created = await self.get_access_token(token_digest)
        return read_back(created, "the access token")

    async def get_access_token(self, token_digest: str) -> AccessToken | None:
        row = await self._db.fetch_one(
            f"SELECT {TOKEN_COLUMNS} FROM oauth_access_tokens WHERE token_digest = ?", (token_digest,)
        )
        return token_from_row(row) if row else None

    async def access_token_by_id(self, token_id: int) -> AccessToken | None:
        row = await self._db.fetch_one(f"SELECT {TOKEN_COLUMNS} FROM oauth_access_tokens WHERE id = ?", (token_id,))
        return token_from_row(row) if row else None

    async def revoke_access_token(self, token_digest: str) -> bool:
        changed = await self._db.execute(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE token_digest = ? AND revoked_at IS NULL",
            (to_db(utcnow()), token_digest),
        )
        return changed > 0

    async def create_session(self, session_digest: str, account_id: int) -> WebSession:
        session_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO web_sessions (id, session_digest, account_id, created_at) VALUES (?, ?, ?, ?)",
                (session_id, session_digest, account_id, to_db(utcnow())),
            )
            created = await self.get_session(session_digest)
        return read_back(created, "the web session")

    async def get_session(self, session_digest: str) -> WebSession | None:
        row = await self._db.fetch_one(
            f"SELECT {SESSION_COLUMNS} FROM web_sessions WHERE session_digest = ?", (session_digest,)
        )
        return session_from_row(row) if row else None

    async def revoke_session(self, session_digest: str) -> bool:
        changed = await self._db.execute(
            "UPDATE web_sessions SET revoked_at = ? WHERE session_digest = ? AND revoked_at IS NULL",
            (to_db(utcnow()), session_digest),
        )
        return changed > 0

    async def revoke_all_for_account(self, account_id: int) -> int:
        now = to_db(utcnow())
        async with self._db.write():
            tokens = await self._db.execute(
                "UPDATE oauth_access_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                (now, account_id),
            )
            sessions = await self._db.execute(
                "UPDATE web_sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL", (now, account_id)
            )
        return tokens + sessions

    async def live_tokens_of(self, account_id: int) -> Sequence[AccessToken]:
        rows = await self._db.fetch_all(
            f"SELECT {TOKEN_COLUMNS} FROM oauth_access_tokens WHERE account_id = ? AND revoked_at IS NULL"
            " ORDER BY id DESC", (account_id,),
        )
        return [token_from_row(row) for row in rows]

    async def revoke_token_of(self, account_id: int, token_id: int) -> bool:
        changed = await self._db.execute(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
            (to_db(utcnow()), token_id, account_id),
        )
        return changed > 0

    async def live_sessions_of(self, account_id: int) -> Sequence[WebSession]:
        rows = await self._db.fetch_all(
            f"SELECT {SESSION_COLUMNS} FROM web_sessions WHERE account_id = ? AND revoked_at IS NULL ORDER BY id DESC",
            (account_id,),
        )
        return [session_from_row(row) for row in rows]

    async def revoke_session_of(self, account_id: int, session_id: int) -> bool:
        changed = await self._db.execute(
            "UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
            (to_db(utcnow()), session_id, account_id),
        )
        return changed > 0
