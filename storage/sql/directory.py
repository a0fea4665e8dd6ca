"""Questions about many accounts at once: search, relationships, familiar followers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from storage.clock import to_db, utcnow
from storage.models import Account, Page
from storage.profiles import RelationshipFacts
from storage.sql.accounts import QUALIFIED_ACCOUNT_COLUMNS, account_from_row
from storage.sql.database import Database
from storage.sql.paging import newest_first, page_clause


def _like_prefix(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _marks(ids: Sequence[int]) -> str:
    return ",".join("?" * len(ids))


class SqlAccountDirectory:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def search(
        self, username: str, domain: str | None, *, limit: int, offset: int, following_of: int | None = None,
    ) -> Sequence[Account]:
        prefix = _like_prefix(username)
        conditions = [
            "accounts.deleted_at IS NULL",
            "(lower(accounts.username) LIKE :prefix ESCAPE '\\' OR lower(accounts.display_name) LIKE :prefix"
            " ESCAPE '\\' OR lower(accounts.display_name) LIKE :word ESCAPE '\\')",
        ]
        params: dict[str, object] = {
            "prefix": prefix, "word": "% " + prefix, "exact": username.lower(), "limit": limit, "offset": offset,
        }  # fmt: skip
        # Mastodon's exact match: the local account without a domain, else that very handle.
        exact = "lower(accounts.username) = :exact AND accounts.domain IS NULL"
        if domain is not None:
            conditions.append("lower(accounts.domain) LIKE :domain ESCAPE '\\'")
            params["domain"] = _like_prefix(domain)
            params["exact_domain"] = domain.lower()
            exact = "lower(accounts.username) = :exact AND lower(accounts.domain) = :exact_domain"
        if following_of is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM follows f WHERE f.account_id = :viewer AND f.target_account_id = accounts.id"
                " AND f.state = 'accepted')"
            )
            params["viewer"] = following_of
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS} FROM accounts WHERE {' AND '.join(conditions)}"
            f" ORDER BY ({exact}) DESC, accounts.domain IS NOT NULL,"
            " lower(accounts.username), accounts.id LIMIT :limit OFFSET :offset",
            params,
        )
        return [account_from_row(row) for row in rows]

    async def employees(self, query: str, *, limit: int, offset: int) -> Sequence[Account]:
        conditions = ["accounts.domain IS NULL", "accounts.kind = 'employee'", "accounts.deleted_at IS NULL",
                      "users.disabled = 0"]
        params: dict[str, object] = {"limit": limit, "offset": offset}
        if query.strip():
            prefix = _like_prefix(query.strip())
            conditions.append("(lower(accounts.username) LIKE :prefix ESCAPE '\\' OR lower(accounts.display_name)"
                              " LIKE :prefix ESCAPE '\\' OR lower(accounts.display_name) LIKE :word ESCAPE '\\')")
            params |= {"prefix": prefix, "word": "% " + prefix}
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS} FROM accounts JOIN users ON users.account_id = accounts.id"
            f" WHERE {' AND '.join(conditions)} ORDER BY lower(accounts.username), accounts.id"
            " LIMIT :limit OFFSET :offset",
            params,
        )
        return [account_from_row(row) for row in rows]

    async def relationships(self, viewer_id: int, account_ids: Sequence[int]) -> Mapping[int, RelationshipFacts]:
        ids = list(dict.fromkeys(account_ids))
        facts = {account_id: RelationshipFacts() for account_id in ids}
        if not ids:
            return facts
        marks = _marks(ids)
        for row in await self._db.fetch_all(
            f"SELECT target_account_id AS other, state, show_reblogs, notify FROM follows"
            f" WHERE account_id = ? AND target_account_id IN ({marks})", (viewer_id, *ids),
        ):
            accepted = row["state"] == "accepted"
            facts[row["other"]] = replace(
                facts[row["other"]], following=accepted, requested=not accepted,
                showing_reblogs=bool(row["show_reblogs"]), notifying=bool(row["notify"]),
            )
        for row in await self._db.fetch_all(
            f"SELECT account_id AS other, state FROM follows WHERE target_account_id = ? AND account_id IN ({marks})",
            (viewer_id, *ids),
        ):
            accepted = row["state"] == "accepted"
            facts[row["other"]] = replace(facts[row["other"]], followed_by=accepted, requested_by=not accepted)
        await self._blocks_mutes_notes(viewer_id, ids, facts)
        return facts

    async def _blocks_mutes_notes(self, viewer_id: int, ids: list[int], facts: dict[int, RelationshipFacts]) -> None:
        marks = _marks(ids)
        for row in await self._db.fetch_all(
            f"SELECT target_account_id AS other FROM blocks WHERE account_id = ? AND target_account_id IN ({marks})",
            (viewer_id, *ids),
        ):
            facts[row["other"]] = replace(facts[row["other"]], blocking=True)
        for row in await self._db.fetch_all(
            f"SELECT account_id AS other FROM blocks WHERE target_account_id = ? AND account_id IN ({marks})",
            (viewer_id, *ids),
        ):
            facts[row["other"]] = replace(facts[row["other"]], blocked_by=True)
        for row in await self._db.fetch_all(
            "SELECT target_account_id AS other, hide_notifications FROM mutes WHERE account_id = ?"
            f" AND target_account_id IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)",
            (viewer_id, *ids, to_db(utcnow())),
        ):
            facts[row["other"]] = replace(
                facts[row["other"]], muting=True, muting_notifications=bool(row["hide_notifications"])
            )
        for row in await self._db.fetch_all(
            f"SELECT target_account_id AS other, comment FROM account_notes WHERE account_id = ?"
            f" AND target_account_id IN ({marks})", (viewer_id, *ids),
        ):
            facts[row["other"]] = replace(facts[row["other"]], note=str(row["comment"]))

    async def blocked_or_muted(self, kind: str, account_id: int, page: Page) -> Sequence[tuple[int, Account]]:
        table = {"blocks": "blocks", "mutes": "mutes"}[kind]
        where, params, order = page_clause(f"{table}.id", page)
        unexpired = " AND (mutes.expires_at IS NULL OR mutes.expires_at > ?)" if table == "mutes" else ""
        extra = [to_db(utcnow())] if unexpired else []
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS}, {table}.id AS row_id FROM {table}"
            f" JOIN accounts ON accounts.id = {table}.target_account_id"
            f" WHERE {table}.account_id = ?{unexpired} AND {where} {order}",
            (account_id, *extra, *params),
        )
        found = {row["row_id"]: account_from_row(row) for row in rows}
        return [(row_id, found[row_id]) for row_id in newest_first(list(found), page)]

    async def familiar_followers(self, viewer_id: int, account_id: int, *, limit: int = 5) -> Sequence[Account]:
        rows = await self._db.fetch_all(
            f"SELECT {QUALIFIED_ACCOUNT_COLUMNS} FROM accounts"
            " JOIN follows theirs ON theirs.account_id = accounts.id AND theirs.target_account_id = ?"
            " AND theirs.state = 'accepted'"
            " JOIN follows mine ON mine.target_account_id = accounts.id AND mine.account_id = ?"
            " AND mine.state = 'accepted'"
            " ORDER BY mine.id DESC LIMIT ?",
            (account_id, viewer_id, limit),
        )
        return [account_from_row(row) for row in rows]
