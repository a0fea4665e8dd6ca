"""OAuth client apps and authorization codes; secrets and codes are stored as digests."""

from __future__ import annotations

from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.models import AccessToken, AuthorizationCode, NewApplication, NewAuthorizationCode, OAuthApplication
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back
from storage.sql.tokens import TOKEN_COLUMNS, token_from_row

APPLICATION_COLUMNS = "id, name, website, redirect_uris, scopes, client_id, client_secret, created_at"
CODE_COLUMNS = (
    "id, application_id, account_id, acting_as_account_id, redirect_uri, scopes, code_challenge,"
    " code_challenge_method, created_at, expires_at, used_at"
)


def application_from_row(row: Row) -> OAuthApplication:
    return OAuthApplication(
        id=row["id"],
        name=row["name"],
        website=row["website"],
        redirect_uris=tuple(row["redirect_uris"].split("\n")),
        scopes=tuple(row["scopes"].split()),
        client_id=row["client_id"],
        client_secret_digest=row["client_secret"],
        created_at=from_db(row["created_at"]),
    )


def code_from_row(row: Row) -> AuthorizationCode:
    return AuthorizationCode(
        id=row["id"],
        application_id=row["application_id"],
        account_id=row["account_id"],
        redirect_uri=row["redirect_uri"],
        scopes=tuple(row["scopes"].split()),
        code_challenge=row["code_challenge"],
        code_challenge_method=row["code_challenge_method"],
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        used_at=from_db(row["used_at"]) if row["used_at"] else None,
        acting_as_account_id=row["acting_as_account_id"],
    )


class SqlOAuthStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create_application(self, application: NewApplication) -> OAuthApplication:
        application_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO oauth_applications ({APPLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    application_id,
                    application.name,
                    application.website,
                    # Redirect URIs never contain a newline (they are validated URIs), so it separates them.
                    "\n".join(application.redirect_uris),
                    " ".join(application.scopes),
                    application.client_id,
                    application.client_secret_digest,
                    to_db(utcnow()),
                ),
            )
            created = await self.get_application(application_id)
        return read_back(created, "the OAuth application")

    async def get_application(self, application_id: int) -> OAuthApplication | None:
        row = await self._db.fetch_one(
            f"SELECT {APPLICATION_COLUMNS} FROM oauth_applications WHERE id = ?", (application_id,)
        )
        return application_from_row(row) if row else None

    async def get_application_by_client_id(self, client_id: str) -> OAuthApplication | None:
        row = await self._db.fetch_one(
            f"SELECT {APPLICATION_COLUMNS} FROM oauth_applications WHERE client_id = ?", (client_id,)
        )
        return application_from_row(row) if row else None

    async def create_authorization_code(self, code: NewAuthorizationCode) -> AuthorizationCode:
        code_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO oauth_authorization_codes (id, code_digest, application_id, account_id,"
                " acting_as_account_id, redirect_uri, scopes, code_challenge, code_challenge_method, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code_id,
                    code.code_digest,
                    code.application_id,
                    code.account_id,
                    code.acting_as_account_id,
                    code.redirect_uri,
                    " ".join(code.scopes),
                    code.code_challenge,
                    code.code_challenge_method,
                    to_db(utcnow()),
                    to_db(code.expires_at),
                ),
            )
            created = await self.get_authorization_code(code.code_digest)
        return read_back(created, "the authorization code")

    async def get_authorization_code(self, code_digest: str) -> AuthorizationCode | None:
        row = await self._db.fetch_one(
            f"SELECT {CODE_COLUMNS} FROM oauth_authorization_codes WHERE code_digest = ?", (code_digest,)
        )
        return code_from_row(row) if row else None

    async def redeem_authorization_code(self, code_id: int, token_digest: str) -> AccessToken | None:
        now = to_db(utcnow())
        async with self._db.write():
            claimed = await self._db.execute(
                "UPDATE oauth_authorization_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (now, code_id)
            )
            if not claimed:
                await self.revoke_tokens_from_code(code_id)
                return None
            token_id = self._ids.next_id()
            await self._db.execute(
                "INSERT INTO oauth_access_tokens (id, token_digest, application_id, account_id, acting_as_account_id,"
                " authorization_code_id, scopes, created_at)"
                " SELECT ?, ?, application_id, account_id, acting_as_account_id, id, scopes, ?"
                " FROM oauth_authorization_codes WHERE id = ?",
                (token_id, token_digest, now, code_id),
            )
            row = await self._db.fetch_one(f"SELECT {TOKEN_COLUMNS} FROM oauth_access_tokens WHERE id = ?", (token_id,))
        return token_from_row(row) if row else None

    async def revoke_tokens_from_code(self, code_id: int) -> int:
        return await self._db.execute(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE authorization_code_id = ? AND revoked_at IS NULL",
            (to_db(utcnow()), code_id),
        )
