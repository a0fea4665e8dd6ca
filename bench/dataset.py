"""Build (once) a large instance for benchmarks: accounts, follows, statuses and home feeds.

The schema comes from our own migrations; rows are written in bulk (plain
sqlite3, or COPY on PostgreSQL), because replaying a million API calls
would measure the seeding, not the server. Home feeds hold each account's
newest HOME_FEED_DEPTH entries, as Mastodon's do. A SQLite dataset is kept
and reused (a ``.done`` file marks it complete); a PostgreSQL database is
expected empty and always filled.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from storage import open_storage
from storage.ids import SEQUENCE_BITS

HOME_FEED_DEPTH = 800
KEY = "-----BEGIN PUBLIC KEY-----\nbench\n-----END PUBLIC KEY-----\n"


async def _migrate(database: str) -> None:
    storage = open_storage(database)
    await storage.open()
    await storage.migrate()
    await storage.close()


class Rows(Protocol):
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...


class _PostgresRows:
    """``executemany`` of a plain ``INSERT INTO t (cols) VALUES (?, 'constant', ...)`` as one COPY."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        head, _, values = sql.partition(" VALUES ")
        table, _, columns = head.removeprefix("INSERT INTO ").partition(" ")
        names = [c.strip() for c in columns.strip("() ").split(",")]
        slots = [v.strip() for v in values.strip().removeprefix("(").removesuffix(")").split(",")]
        with self._connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                given = iter(row)
                copy.write_row([next(given) if slot == "?" else slot.strip("'") for slot in slots])


def build(path: Path, *, accounts: int, statuses: int, follows_each: int, seed: int = 7,
          database: str | None = None) -> str:
    """Create the dataset at ``path`` (SQLite) unless a complete one is there, or in the empty
    PostgreSQL ``database``; returns the database to open."""
    if database is not None and database.startswith(("postgresql://", "postgres://")):
        return _build_postgresql(database, accounts=accounts, statuses=statuses, follows_each=follows_each, seed=seed)
    if database is not None:
        path = Path(database)
    done = path.with_suffix(".done")
    if done.exists() and path.exists():
        return str(path)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    asyncio.run(_migrate(str(path)))
    started = time.perf_counter()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA synchronous = OFF")
        _fill(db, accounts, statuses, follows_each, random.Random(seed))
    done.write_text(f"built in {time.perf_counter() - started:.0f}s\n")
    return str(path)


def _build_postgresql(url: str, *, accounts: int, statuses: int, follows_each: int, seed: int) -> str:
    import psycopg

    asyncio.run(_migrate(url))
    with psycopg.connect(url) as connection:
        _fill(_PostgresRows(connection), accounts, statuses, follows_each, random.Random(seed))
    # What autovacuum does to a live database soon after a bulk load: statistics, and the visibility
    # map that lets the profile counters run as index-only scans. VACUUM can't run in a transaction.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return url


def _fill(db: Rows, accounts: int, statuses: int, follows_each: int, rng: random.Random) -> None:
    account_ids = _accounts(db, accounts)
    followers = _follows(db, account_ids, follows_each, rng)
    made = _statuses(db, account_ids, statuses, rng)
    _home_feeds(db, made, followers)


def _accounts(db: Rows, count: int) -> list[int]:
    base = int(time.time() * 1000 - 400 * 86_400_000) << SEQUENCE_BITS
    ids = [base + i for i in range(count)]
    db.executemany(
        "INSERT INTO accounts (id, kind, username, display_name, public_key_pem, private_key_pem, created_at,"
        " updated_at) VALUES (?, 'employee', ?, ?, ?, 'bench', '2025-01-01T00:00:00.000000Z',"
        " '2025-01-01T00:00:00.000000Z')",
        ((i, f"user{n}", f"User {n}", KEY) for n, i in enumerate(ids)),
    )
    db.executemany(
        "INSERT INTO users (account_id, email, password_hash, role, created_at)"
        " VALUES (?, ?, 'not-a-hash', 'staff', '2025-01-01T00:00:00.000000Z')",
        ((i, f"user{n}@bench.example") for n, i in enumerate(ids)),
    )
    return ids


def _follows(db: Rows, ids: list[int], each: int, rng: random.Random) -> dict[int, list[int]]:
    """Each account follows ``each`` others; returns followers by followed account."""
    followers: dict[int, list[int]] = {account_id: [] for account_id in ids}
    rows: list[tuple[int, int, int]] = []
    for follower in ids:
        targets = [t for t in rng.sample(ids, each + 1) if t != follower][:each]
        for target in targets:
            rows.append((len(rows) + 1, follower, target))
            followers[target].append(follower)
    db.executemany(
        "INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
        " VALUES (?, ?, ?, 'accepted', '2025-01-01T00:00:00.000000Z')",
        rows,
    )
    return followers


def _statuses(db: Rows, ids: list[int], count: int, rng: random.Random) -> list[tuple[int, int]]:
    """Returns (status id, author) oldest first."""
    start_ms = int(time.time() * 1000) - 365 * 86_400_000
    step = (365 * 86_400_000) // count
    made = [(((start_ms + n * step) << SEQUENCE_BITS) | (n & 0xFFFF), rng.choice(ids)) for n in range(count)]
    db.executemany(
        "INSERT INTO statuses (id, account_id, local, thread_id, text, content, visibility, created_at)"
        " VALUES (?, ?, 1, ?, ?, ?, 'public', '2025-06-01T00:00:00.000000Z')",
        ((status_id, author, status_id, f"post {n}", f"<p>post {n}</p>") for n, (status_id, author) in
         enumerate(made)),
    )
    return made


def _home_feeds(db: Rows, statuses: list[tuple[int, int]], followers: dict[int, list[int]]) -> None:
    """Newest first, each status goes to its author's followers until every feed holds HOME_FEED_DEPTH."""
    feeds: dict[int, int] = {account_id: 0 for account_id in followers}
    open_feeds = len(feeds)
    rows: list[tuple[int, int]] = []
    for status_id, author in reversed(statuses):
        for reader in (*followers[author], author):
            if feeds[reader] < HOME_FEED_DEPTH:
                feeds[reader] += 1
                rows.append((reader, status_id))
                open_feeds -= feeds[reader] == HOME_FEED_DEPTH
        if open_feeds == 0:
            break
    db.executemany("INSERT INTO home_feed (account_id, status_id) VALUES (?, ?)", rows)
