"""Filters (v2): their keywords and statuses."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from activitypub.errors import NotFound
from storage.clock import from_db, to_db, utcnow
from storage.curation import Filter, FilterAction, FilterFields, FilterKeyword, FilterStatus, KeywordEdit
from storage.ids import IdGenerator
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back
from storage.sql.statuses import marks

FILTER_COLUMNS = "f.id, f.account_id, f.title, f.context, f.filter_action, f.expires_at"


def _keyword(row: Row) -> FilterKeyword:
    return FilterKeyword(row["id"], row["filter_id"], row["keyword"], bool(row["whole_word"]))


def _status(row: Row) -> FilterStatus:
    return FilterStatus(row["id"], row["filter_id"], row["status_id"])


class SqlFilterStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, account_id: int, fields: FilterFields, keywords: Sequence[tuple[str, bool]]) -> Filter:
        filter_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO filters (id, account_id, title, context, filter_action, expires_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (filter_id, account_id, *_field_values(fields), to_db(utcnow())),
            )
            for keyword, whole_word in keywords:
                await self.add_keyword(filter_id, keyword, whole_word)
            found = await self.get(account_id, filter_id)
        return read_back(found, "the filter")

    async def get(self, account_id: int, filter_id: int) -> Filter | None:
        found = await self._load("f.id = ? AND f.account_id = ?", (filter_id, account_id))
        return found[0] if found else None

    async def owned(self, account_id: int) -> Sequence[Filter]:
        return await self._load("f.account_id = ?", (account_id,))

    async def active(self, account_id: int, context: str, now: datetime) -> Sequence[Filter]:
        return await self._load(
            "f.account_id = ? AND (f.expires_at IS NULL OR f.expires_at > ?)"
            # context is a JSON array of fixed context names, so a quoted name matches one element exactly.
            " AND f.context LIKE ?",
            (account_id, to_db(now), f'%"{context}"%'),
        )

    async def _load(self, where: str, params: Sequence[object]) -> list[Filter]:
        rows = await self._db.fetch_all(f"SELECT {FILTER_COLUMNS} FROM filters f WHERE {where} ORDER BY f.id", params)
        ids = [row["id"] for row in rows]
        keywords: dict[int, list[FilterKeyword]] = defaultdict(list)
        statuses: dict[int, list[FilterStatus]] = defaultdict(list)
        if ids:
            for row in await self._db.fetch_all(
                f"SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE filter_id IN ({marks(ids)})"
                " ORDER BY id", ids,
            ):
                keywords[row["filter_id"]].append(_keyword(row))
            for row in await self._db.fetch_all(
                f"SELECT id, filter_id, status_id FROM filter_statuses WHERE filter_id IN ({marks(ids)}) ORDER BY id",
                ids,
            ):
                statuses[row["filter_id"]].append(_status(row))
        return [
            Filter(
                id=row["id"], account_id=row["account_id"], title=row["title"],
                context=tuple(json.loads(row["context"])), filter_action=FilterAction(row["filter_action"]),
                expires_at=from_db(row["expires_at"]) if row["expires_at"] else None,
                keywords=tuple(keywords[row["id"]]), statuses=tuple(statuses[row["id"]]),
            )
            for row in rows
        ]

    async def update(self, filter_id: int, fields: FilterFields, edits: Sequence[KeywordEdit]) -> Filter:
        async with self._db.write():
            row = await self._db.fetch_one("SELECT account_id FROM filters WHERE id = ?", (filter_id,))
            if row is None:
                raise NotFound()
            await self._db.execute(
                "UPDATE filters SET title = ?, context = ?, filter_action = ?, expires_at = ? WHERE id = ?",
                (*_field_values(fields), filter_id),
            )
            for edit in edits:
                await self._apply(filter_id, edit)
            found = await self.get(row["account_id"], filter_id)
        return read_back(found, "the filter")

    async def _apply(self, filter_id: int, edit: KeywordEdit) -> None:
        if edit.id is None:
            if not edit.destroy and edit.keyword:
                await self.add_keyword(filter_id, edit.keyword, True if edit.whole_word is None else edit.whole_word)
        elif edit.destroy:
            await self._db.execute("DELETE FROM filter_keywords WHERE id = ? AND filter_id = ?", (edit.id, filter_id))
        else:
            await self._db.execute(
                "UPDATE filter_keywords SET keyword = coalesce(?, keyword), whole_word = coalesce(?, whole_word)"
                " WHERE id = ? AND filter_id = ?",
                (edit.keyword, None if edit.whole_word is None else int(edit.whole_word), edit.id, filter_id),
            )

    async def delete(self, account_id: int, filter_id: int) -> bool:
        return await self._db.execute("DELETE FROM filters WHERE id = ? AND account_id = ?", (filter_id, account_id)) > 0

    async def add_keyword(self, filter_id: int, keyword: str, whole_word: bool) -> FilterKeyword:
        keyword_id = self._ids.next_id()
        await self._db.execute(
            "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, ?, ?)",
            (keyword_id, filter_id, keyword, int(whole_word)),
        )
        return FilterKeyword(keyword_id, filter_id, keyword, whole_word)

    async def get_keyword(self, account_id: int, keyword_id: int) -> FilterKeyword | None:
        row = await self._db.fetch_one(
            "SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k JOIN filters f"
            " ON f.id = k.filter_id WHERE k.id = ? AND f.account_id = ?",
            (keyword_id, account_id),
        )
        return _keyword(row) if row else None

    async def update_keyword(self, keyword_id: int, keyword: str, whole_word: bool) -> FilterKeyword:
        async with self._db.write():
            await self._db.execute(
                "UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?",
                (keyword, int(whole_word), keyword_id),
            )
            row = await self._db.fetch_one(
                "SELECT id, filter_id, keyword, whole_word FROM filter_keywords WHERE id = ?", (keyword_id,)
            )
        if row is None:
            raise NotFound()
        return _keyword(row)

    async def delete_keyword(self, keyword_id: int) -> bool:
        return await self._db.execute("DELETE FROM filter_keywords WHERE id = ?", (keyword_id,)) > 0

    async def add_status(self, filter_id: int, status_id: int) -> FilterStatus:
        entry_id = self._ids.next_id()
        await self._db.execute(
            "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES (?, ?, ?)", (entry_id, filter_id, status_id)
        )
        return FilterStatus(entry_id, filter_id, status_id)

    async def get_status(self, account_id: int, filter_status_id: int) -> FilterStatus | None:
        row = await self._db.fetch_one(
            "SELECT s.id, s.filter_id, s.status_id FROM filter_statuses s JOIN filters f ON f.id = s.filter_id"
            " WHERE s.id = ? AND f.account_id = ?",
            (filter_status_id, account_id),
        )
        return _status(row) if row else None

    async def delete_status(self, filter_status_id: int) -> bool:
        return await self._db.execute("DELETE FROM filter_statuses WHERE id = ?", (filter_status_id,)) > 0


def _field_values(fields: FilterFields) -> tuple[object, ...]:
    expires = to_db(fields.expires_at) if fields.expires_at else None
    return fields.title, json.dumps(list(fields.context)), fields.filter_action.value, expires
