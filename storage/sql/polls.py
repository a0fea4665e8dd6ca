"""Polls and their votes; tallies are counted from the votes, never cached."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from activitypub.errors import Conflict
from storage.clock import from_db, to_db, utcnow
from storage.ids import IdGenerator
from storage.media import NewPoll, Poll, PollTally
from storage.sql.database import Database, Row
from storage.sql.read_back import read_back

COLUMNS = "id, status_id, options, multiple, hide_totals, expires_at, closed_at, created_at"


def poll_from_row(row: Row) -> Poll:
    return Poll(
        id=row["id"], status_id=row["status_id"], options=tuple(json.loads(row["options"])),
        multiple=bool(row["multiple"]), hide_totals=bool(row["hide_totals"]),
        expires_at=from_db(row["expires_at"]) if row["expires_at"] else None,
        closed_at=from_db(row["closed_at"]) if row["closed_at"] else None, created_at=from_db(row["created_at"]),
    )


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class SqlPollStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def create(self, new: NewPoll) -> Poll:
        poll_id = self._ids.next_id()
        async with self._db.write():
            await self._db.execute(
                f"INSERT INTO polls ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                (poll_id, new.status_id, json.dumps(list(new.options)), int(new.multiple), int(new.hide_totals),
                 to_db(new.expires_at) if new.expires_at else None, to_db(utcnow())),
            )
            poll = await self.get(poll_id)
        return read_back(poll, "the poll")

    async def get(self, poll_id: int) -> Poll | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM polls WHERE id = ?", (poll_id,))
        return poll_from_row(row) if row else None

    async def for_statuses(self, status_ids: Sequence[int]) -> Mapping[int, Poll]:
        if not status_ids:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM polls WHERE status_id IN ({_marks(status_ids)})", list(status_ids)
        )
        return {row["status_id"]: poll_from_row(row) for row in rows}

    async def tallies(self, poll_ids: Sequence[int]) -> Mapping[int, PollTally]:
        if not poll_ids:
            return {}
        holes = _marks(poll_ids)
        sizes = await self._db.fetch_all(
            f"SELECT id, {self._db.dialect.array_length('options')} AS n FROM polls WHERE id IN ({holes})",
            list(poll_ids),
        )
        votes = {row["id"]: [0] * int(row["n"]) for row in sizes}
        for row in await self._db.fetch_all(
            f"SELECT poll_id, choice, count(*) AS n FROM poll_votes WHERE poll_id IN ({holes})"
            f" GROUP BY poll_id, choice", list(poll_ids),
        ):
            counts = votes.get(row["poll_id"])
            if counts is not None and 0 <= row["choice"] < len(counts):
                counts[row["choice"]] = int(row["n"])
        voters = {row["poll_id"]: int(row["n"]) for row in await self._db.fetch_all(
            f"SELECT poll_id, count(DISTINCT account_id) AS n FROM poll_votes WHERE poll_id IN ({holes})"
            f" GROUP BY poll_id", list(poll_ids),
        )}
        return {poll_id: PollTally(tuple(counts), voters.get(poll_id, 0)) for poll_id, counts in votes.items()}

    async def own_votes(self, account_id: int, poll_ids: Sequence[int]) -> Mapping[int, Sequence[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if poll_ids:
            rows = await self._db.fetch_all(
                f"SELECT poll_id, choice FROM poll_votes WHERE account_id = ? AND poll_id IN ({_marks(poll_ids)})"
                f" ORDER BY id", (account_id, *poll_ids),
            )
            for row in rows:
                found[row["poll_id"]].append(row["choice"])
        return found

    async def add_votes(self, poll_id: int, account_id: int, choices: Sequence[int], *,
                        uri: str | None = None) -> None:
        now = to_db(utcnow())
        async with self._db.write():
            for choice in choices:
                changed = await self._db.execute(
                    "INSERT OR IGNORE INTO poll_votes (id, poll_id, account_id, choice, uri, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (self._ids.next_id(), poll_id, account_id, choice, uri, now),
                )
                if not changed:
                    raise Conflict("Already voted for this option", detail=f"poll {poll_id} choice {choice}")

    async def voter_ids(self, poll_id: int) -> Sequence[int]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT account_id FROM poll_votes WHERE poll_id = ? ORDER BY account_id", (poll_id,)
        )
        return [row[0] for row in rows]

    async def claim_expired(self, now: datetime, limit: int) -> Sequence[Poll]:
        stamp = to_db(now)
        async with self._db.write() as connection:
            cursor = await connection.execute(
                f"UPDATE polls SET closed_at = ? WHERE id IN (SELECT id FROM polls WHERE closed_at IS NULL"
                f" AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?)"
                f" RETURNING {COLUMNS}",
                (stamp, stamp, limit),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        return sorted((poll_from_row(row) for row in rows), key=lambda poll: (poll.expires_at or now, poll.id))
