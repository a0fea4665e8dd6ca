"""Search over hashtags and the full-text index of statuses the viewer may see."""

from __future__ import annotations

from collections.abc import Sequence

from storage.models import Page, Reader, Tag
from storage.sql.database import Database
from storage.sql.paging import named_page_clause
from storage.sql.timelines import NOT_BLOCKED, visible_to


def like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def fts_query(terms: Sequence[str]) -> str:
    """Every term as a quoted FTS5 string (so no operator syntax gets through); the last one a prefix."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    if quoted:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def tsquery(terms: Sequence[str]) -> str:
    """The same query for PostgreSQL's to_tsquery: each term a quoted lexeme, ANDed, the last a prefix."""
    quoted = ["'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms]
    if quoted:
        quoted[-1] += ":*"
    return " & ".join(quoted)


class SqlSearchStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def statuses(
        self, viewer: Reader | int, terms: Sequence[str], page: Page, *, offset: int, account_id: int | None = None,
    ) -> Sequence[int]:
        if not terms:
            return []
        where, params, order = named_page_clause("s.id", page)
        if self._db.dialect.name == "postgresql":
            source = "status_search JOIN statuses s ON s.id = status_search.status_id"
            matches = "status_search.document @@ to_tsquery('simple', :match)"
            params.update(match=tsquery(terms))
        else:
            source = "status_search JOIN statuses s ON s.id = status_search.rowid"
            matches = "status_search MATCH :match"
            params.update(match=fts_query(terms))
        visible = visible_to(viewer, params)
        conditions = [matches, "s.deleted_at IS NULL", "s.reblog_of_id IS NULL", visible, NOT_BLOCKED, where]
        if account_id is not None:
            conditions.append("s.account_id = :account")
            params["account"] = account_id
        rows = await self._db.fetch_all(
            f"SELECT s.id FROM {source}"
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
