"""Search over accounts, hashtags, and the full-text index of statuses the viewer may see, on SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.models import Account, Page, Tag
from storage.sqlite.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.paging import named_page_clause
from storage.sqlite.timelines import NOT_BLOCKED, VISIBLE

ACCOUNT_NOT_BLOCKED = NOT_BLOCKED.replace("s.account_id", "accounts.id")


def like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def fts_query(terms: Sequence[str]) -> str:
    """Every term as a quoted FTS5 string (so no operator syntax gets through); the last one a prefix."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    if quoted:
        quoted[-1] += "*"
    return " AND ".join(quoted)


class SqliteSearchStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def accounts(
        self, viewer_id: int, username: str, domain: str | None, *, limit: int, offset: int,
        following_only: bool = False, local_only: bool = False,
    ) -> Sequence[Account]:
        params: dict[str, Any] = {
            "viewer": viewer_id, "exact": username.lower(), "username": like_prefix(username),
            "anywhere": "%" + like_prefix(username), "limit": int(limit), "offset": int(offset),
        }
        conditions = ["accounts.deleted_at IS NULL", ACCOUNT_NOT_BLOCKED]
        if domain is None:
            conditions.append(
                "(lower(accounts.username) LIKE :username ESCAPE '\\'"
                " OR lower(accounts.display_name) LIKE :anywhere ESCAPE '\\')"
            )
        else:
            conditions.append("lower(accounts.username) LIKE :username ESCAPE '\\'")
            conditions.append("lower(accounts.domain) LIKE :domain ESCAPE '\\'")
            params["domain"] = like_prefix(domain)
        if local_only:
            conditions.append("accounts.domain IS NULL")
        if following_only:
            conditions.append(
                "EXISTS (SELECT 1 FROM follows f WHERE f.account_id = :viewer AND f.target_account_id = accounts.id"
                " AND f.state = 'accepted')"
            )
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS} FROM accounts WHERE {' AND '.join(conditions)}"
            " ORDER BY lower(accounts.username) = :exact DESC, accounts.domain IS NULL DESC,"
            " lower(accounts.username), accounts.id LIMIT :limit OFFSET :offset",
            params,
        )
        return [account_from_row(row) for row in rows]

    async def statuses(
        self, viewer_id: int, terms: Sequence[str], page: Page, *, offset: int, account_id: int | None = None,
    ) -> Sequence[int]:
        if not terms:
            return []
        where, params, order = named_page_clause("s.id", page)
        params.update(viewer=viewer_id, match=fts_query(terms))
        conditions = ["status_search MATCH :match", "s.deleted_at IS NULL", "s.reblog_of_id IS NULL",
                      VISIBLE, NOT_BLOCKED, where]
        if account_id is not None:
            conditions.append("s.account_id = :account")
            params["account"] = account_id
        rows = await self._db.fetch_all(
            f"SELECT s.id FROM status_search JOIN statuses s ON s.id = status_search.rowid"
            f" WHERE {' AND '.join(conditions)} {order} OFFSET {int(offset)}",
            params,
        )
        ids = [row[0] for row in rows]
        return list(reversed(ids)) if page.min_id is not None else ids

    async def tags(self, prefix: str, *, limit: int, offset: int) -> Sequence[Tag]:
        rows = await self._db.fetch_all(
            "SELECT id, name, display_name FROM tags WHERE name LIKE ? ESCAPE '\\'"
            " ORDER BY name = ? DESC, length(name), name LIMIT ? OFFSET ?",
            (like_prefix(prefix), prefix.lower(), int(limit), int(offset)),
        )
        return [Tag(row["id"], row["name"], row["display_name"]) for row in rows]
