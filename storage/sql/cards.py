"""Preview cards: the cards, which status shows which, and the queue of fetches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.ids import IdGenerator
from storage.remote_media import CardFetch, CardFetchState, NewPreviewCard, PreviewCard
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

CARD_COLUMNS = (
    "id, url, title, description, type, author_name, author_url, provider_name, provider_url, html, width, height,"
    " image_token, embed_url, blurhash, language, fetched_at"
)
FETCH_COLUMNS = "status_id, url, state, attempts, next_attempt_at, last_error"


def card_from_row(row: Row) -> PreviewCard:
    return PreviewCard(
        id=row["id"], url=row["url"], title=row["title"], description=row["description"], type=row["type"],
        author_name=row["author_name"], author_url=row["author_url"], provider_name=row["provider_name"],
        provider_url=row["provider_url"], html=row["html"], width=row["width"], height=row["height"],
        image_token=row["image_token"], embed_url=row["embed_url"], blurhash=row["blurhash"],
        language=row["language"], fetched_at=from_db(row["fetched_at"]),
    )


def fetch_from_row(row: Row) -> CardFetch:
    return CardFetch(
        status_id=row["status_id"], url=row["url"], state=CardFetchState(row["state"]), attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]), last_error=row["last_error"],
    )


class SqlCardStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def enqueue(self, status_id: int, url: str, now: datetime) -> None:
        stamp = to_db(now)
        await self._db.execute(
            "INSERT INTO card_fetches (status_id, url, next_attempt_at, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (status_id) DO UPDATE SET url = excluded.url, state = 'pending', attempts = 0,"
            " next_attempt_at = excluded.next_attempt_at, locked_until = NULL, last_error = NULL"
            " WHERE card_fetches.url <> excluded.url OR card_fetches.state = 'failed'",
            (status_id, url, stamp, stamp),
        )

    async def get_fetch(self, status_id: int) -> CardFetch | None:
        row = await self._db.fetch_one(f"SELECT {FETCH_COLUMNS} FROM card_fetches WHERE status_id = ?", (status_id,))
        return fetch_from_row(row) if row else None

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> Sequence[CardFetch]:
        stamp = to_db(now)
        async with self._db.write() as connection:
            cursor = await connection.execute(
                "UPDATE card_fetches SET locked_until = ?, attempts = attempts + 1 WHERE status_id IN"
                " (SELECT status_id FROM card_fetches WHERE state = 'pending' AND next_attempt_at <= ?"
                " AND (locked_until IS NULL OR locked_until <= ?) ORDER BY next_attempt_at LIMIT ?"
                f" {self._db.dialect.skip_locked}) RETURNING {FETCH_COLUMNS}",
                (to_db(lease_until), stamp, stamp, limit),
            )
            rows = list(await cursor.fetchall())
            await cursor.close()
        return sorted((fetch_from_row(row) for row in rows), key=lambda f: (f.next_attempt_at, f.status_id))

    async def mark_done(self, status_id: int) -> None:
        await self._db.execute(
            "UPDATE card_fetches SET state = 'done', locked_until = NULL, last_error = NULL WHERE status_id = ?",
            (status_id,),
        )

    async def mark_retry(self, status_id: int, retry_at: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE card_fetches SET locked_until = NULL, next_attempt_at = ?, last_error = ? WHERE status_id = ?",
            (to_db(retry_at), error[:1000], status_id),
        )

    async def mark_failed(self, status_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE card_fetches SET state = 'failed', locked_until = NULL, last_error = ? WHERE status_id = ?",
            (error[:1000], status_id),
        )

    async def by_url(self, url: str) -> PreviewCard | None:
        row = await self._db.fetch_one(f"SELECT {CARD_COLUMNS} FROM preview_cards WHERE url = ?", (url,))
        return card_from_row(row) if row else None

    async def save(self, card: NewPreviewCard, now: datetime) -> PreviewCard:
        async with self._db.write():
            await self._db.execute(
                "INSERT INTO preview_cards (id, url, title, description, type, author_name, author_url,"
                " provider_name, provider_url, width, height, image_token, blurhash, language, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " title = excluded.title, description = excluded.description, type = excluded.type,"
                " author_name = excluded.author_name, author_url = excluded.author_url,"
                " provider_name = excluded.provider_name, provider_url = excluded.provider_url,"
                " width = excluded.width, height = excluded.height, image_token = excluded.image_token,"
                " blurhash = excluded.blurhash, language = excluded.language, fetched_at = excluded.fetched_at",
                (self._ids.next_id(), card.url, card.title, card.description, card.type, card.author_name,
                 card.author_url, card.provider_name, card.provider_url, card.width, card.height, card.image_token,
                 card.blurhash, card.language, to_db(now)),
            )
            saved = await self.by_url(card.url)
        return read_back(saved, "the preview card")

    async def link(self, status_id: int, card_id: int) -> None:
        await self._db.execute(
            "INSERT INTO status_cards (status_id, card_id) VALUES (?, ?)"
            " ON CONFLICT (status_id) DO UPDATE SET card_id = excluded.card_id",
            (status_id, card_id),
        )

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, PreviewCard]:
        if not status_ids:
            return {}
        marks = ",".join("?" * len(status_ids))
        rows = await self._db.fetch_all(
            f"SELECT sc.status_id AS status_id, {', '.join('c.' + c.strip() for c in CARD_COLUMNS.split(','))}"
            f" FROM status_cards sc JOIN preview_cards c ON c.id = sc.card_id WHERE sc.status_id IN ({marks})",
            list(status_ids),
        )
        return {row["status_id"]: card_from_row(row) for row in rows}
