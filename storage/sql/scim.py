"""SCIM provisioning's rows: tokens by digest, and the SCIM side of users and departments.

Queries are built from ``storage.scim.ScimQuery``'s fixed field names, each
mapped here to one column expression; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from activitypub.errors import InvalidInput, NotFound
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.scim import GroupField, ScimGroupRow, ScimPage, ScimQuery, ScimToken, ScimUserRow, UserField
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

TOKEN_COLUMNS = "id, name, digest, created_at, last_used_at, revoked_at"
USER_COLUMNS = "account_id, user_name, external_id, email, resource, version, created_at, updated_at, deleted_at"
GROUP_COLUMNS = "account_id, display_name, external_id, resource, version, created_at, updated_at, deleted_at"
# (column expression, whether the value is lower-cased first): the only SQL a query can choose.
USER_TESTS: Mapping[str, tuple[str, bool]] = {
    UserField.ID: ("account_id", False),
    UserField.USER_NAME: ("lower(user_name)", True),
    UserField.EXTERNAL_ID: ("external_id", False),
    UserField.EMAIL: ("email", True),
}
GROUP_TESTS: Mapping[str, tuple[str, bool]] = {
    GroupField.ID: ("account_id", False),
    GroupField.DISPLAY_NAME: ("lower(display_name)", True),
    GroupField.EXTERNAL_ID: ("external_id", False),
}
RowT = TypeVar("RowT")


def _time(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def token_from_row(row: Row) -> ScimToken:
    return ScimToken(id=row["id"], name=row["name"], digest=row["digest"], created_at=from_db(row["created_at"]),
                     last_used_at=_time(row["last_used_at"]), revoked_at=_time(row["revoked_at"]))


def user_from_row(row: Row) -> ScimUserRow:
    return ScimUserRow(
        account_id=row["account_id"], user_name=row["user_name"], external_id=row["external_id"],
        email=row["email"], resource=row["resource"], version=row["version"], created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]), deleted_at=_time(row["deleted_at"]),
    )


def group_from_row(row: Row) -> ScimGroupRow:
    return ScimGroupRow(
        account_id=row["account_id"], display_name=row["display_name"], external_id=row["external_id"],
        resource=row["resource"], version=row["version"], created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]), deleted_at=_time(row["deleted_at"]),
    )


def _where(query: ScimQuery, tests: Mapping[str, tuple[str, bool]]) -> tuple[str, list[object]]:
    clauses: list[str] = ["deleted_at IS NULL"]
    params: list[object] = []
    for name, value in query.equal:
        if name not in tests:
            raise InvalidInput(detail=f"no SCIM query field {name!r}")
        column, folded = tests[name]
        if column == "account_id":
            if not value.isdigit() or len(value) > 19:
                clauses.append("1 = 0")  # no account has an id that is not a number
                continue
            params.append(int(value))
        else:
            params.append(value.lower() if folded else value)
        clauses.append(f"{column} = ?")
    return " AND ".join(clauses), params


class SqlScimStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create_token(self, name: str, digest: str) -> ScimToken:
        token_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO scim_tokens (id, name, digest, created_at) VALUES (?, ?, ?, ?)",
                (token_id, name, digest, to_db(utcnow())),
            )
            row = await self._db.fetch_one(f"SELECT {TOKEN_COLUMNS} FROM scim_tokens WHERE id = ?", (token_id,))
        return token_from_row(read_back(row, "the SCIM token"))

    async def token_by_digest(self, digest: str) -> ScimToken | None:
        row = await self._db.fetch_one(
            f"SELECT {TOKEN_COLUMNS} FROM scim_tokens WHERE digest = ? AND revoked_at IS NULL", (digest,)
        )
        return token_from_row(row) if row else None

    async def tokens(self) -> Sequence[ScimToken]:
        rows = await self._db.fetch_all(f"SELECT {TOKEN_COLUMNS} FROM scim_tokens ORDER BY name")
        return [token_from_row(row) for row in rows]

    async def revoke_token(self, name: str) -> bool:
        changed = await self._db.execute(
            "UPDATE scim_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (to_db(utcnow()), name)
        )
        return changed > 0

    async def token_used(self, token_id: int, when: datetime) -> None:
        await self._db.execute("UPDATE scim_tokens SET last_used_at = ? WHERE id = ?", (to_db(when), token_id))

    async def add_user(self, row: ScimUserRow) -> None:
        await self._db.execute(
            f"INSERT INTO scim_users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.account_id, row.user_name, row.external_id, _lower(row.email), row.resource, row.version,
             to_db(row.created_at), to_db(row.updated_at), _db_time(row.deleted_at)),
        )

    async def user(self, account_id: int) -> ScimUserRow | None:
        row = await self._db.fetch_one(f"SELECT {USER_COLUMNS} FROM scim_users WHERE account_id = ?", (account_id,))
        return user_from_row(row) if row else None

    async def update_user(self, row: ScimUserRow) -> None:
        changed = await self._db.execute(
            "UPDATE scim_users SET user_name = ?, external_id = ?, email = ?, resource = ?, version = version + 1,"
            " updated_at = ?, deleted_at = ? WHERE account_id = ?",
            (row.user_name, row.external_id, _lower(row.email), row.resource, to_db(row.updated_at),
             _db_time(row.deleted_at), row.account_id),
        )
        if not changed:
            raise NotFound(detail=f"no SCIM user {row.account_id}")

    async def find_users(self, query: ScimQuery) -> ScimPage[ScimUserRow]:
        return await self._find("scim_users", USER_COLUMNS, USER_TESTS, query, user_from_row)

    async def add_group(self, row: ScimGroupRow) -> None:
        await self._db.execute(
            f"INSERT INTO scim_groups ({GROUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.account_id, row.display_name, row.external_id, row.resource, row.version, to_db(row.created_at),
             to_db(row.updated_at), _db_time(row.deleted_at)),
        )

    async def group(self, account_id: int) -> ScimGroupRow | None:
        row = await self._db.fetch_one(f"SELECT {GROUP_COLUMNS} FROM scim_groups WHERE account_id = ?", (account_id,))
        return group_from_row(row) if row else None

    async def update_group(self, row: ScimGroupRow) -> None:
        changed = await self._db.execute(
            "UPDATE scim_groups SET display_name = ?, external_id = ?, resource = ?, version = version + 1,"
            " updated_at = ?, deleted_at = ? WHERE account_id = ?",
            (row.display_name, row.external_id, row.resource, to_db(row.updated_at), _db_time(row.deleted_at),
             row.account_id),
        )
        if not changed:
            raise NotFound(detail=f"no SCIM group {row.account_id}")

    async def find_groups(self, query: ScimQuery) -> ScimPage[ScimGroupRow]:
        return await self._find("scim_groups", GROUP_COLUMNS, GROUP_TESTS, query, group_from_row)

    async def live_user_ids(self, account_ids: Sequence[int]) -> frozenset[int]:
        found: set[int] = set()
        for start in range(0, len(account_ids), 500):
            chunk = list(account_ids[start:start + 500])
            holes = ",".join("?" * len(chunk))
            rows = await self._db.fetch_all(
                f"SELECT account_id FROM scim_users WHERE deleted_at IS NULL AND account_id IN ({holes})", chunk
            )
            found.update(int(row["account_id"]) for row in rows)
        return frozenset(found)

    async def _find(
        self, table: str, columns: str, tests: Mapping[str, tuple[str, bool]], query: ScimQuery,
        convert: Callable[[Row], RowT],
    ) -> ScimPage[RowT]:
        where, params = _where(query, tests)
        count = await self._db.fetch_one(f"SELECT count(*) AS n FROM {table} WHERE {where}", params)
        rows = await self._db.fetch_all(
            f"SELECT {columns} FROM {table} WHERE {where} ORDER BY account_id LIMIT ? OFFSET ?",
            [*params, max(query.limit, 0), max(query.offset, 0)],
        )
        return ScimPage(int(count["n"]) if count else 0, [convert(row) for row in rows])


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _db_time(value: datetime | None) -> str | None:
    return to_db(value) if value else None

