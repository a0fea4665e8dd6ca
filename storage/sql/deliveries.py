"""Outbound deliveries and remote hosts' health.

Claiming is one ``UPDATE ... RETURNING`` inside a ``BEGIN IMMEDIATE``
transaction: SQLite has a single writer across processes, so two workers
can never lock the same row. (PostgreSQL gets the same guarantee from
``FOR UPDATE SKIP LOCKED`` in the inner select, without blocking.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from storage.clock import from_db, to_db
from storage.deliveries import (
    Delivery,
    DeliveryState,
    DeliveryUpdate,
    DomainChange,
    DomainHealth,
    HostDeliveryCounts,
    NewDelivery,
)
from storage.ids import IdGenerator
from storage.sql.database import Database, Row
from storage.sql.leases import completion_params, completion_sql

COLUMNS = (
    "id, activity_uri, object_uri, actor_account_id, inbox_url, host, payload, state, attempts, next_attempt_at, "
    "locked_until, locked_by, last_status, last_error, last_attempt_at, created_at, finished_at"
)
DOMAIN_COLUMNS = (
    "host, consecutive_failures, failure_days, first_failure_at, last_failure_at, last_success_at, unavailable, "
    "circuit_open_until"
)
DOMAIN_UPDATES = ", ".join(
    f"{column.strip()} = excluded.{column.strip()}" for column in DOMAIN_COLUMNS.split(",")[1:]
)
# Rank only a bounded window of the earliest due rows, so a huge backlog does
# not make every claim sort the whole table.
CANDIDATE_FACTOR = 8

CLAIM_SQL = f"""
UPDATE deliveries SET locked_until = ?, locked_by = ?
WHERE id IN (
    SELECT id FROM (
        SELECT id, next_attempt_at,
               ROW_NUMBER() OVER (PARTITION BY host ORDER BY next_attempt_at, id) AS host_rank
        FROM (
            SELECT id, host, next_attempt_at FROM deliveries
            WHERE state = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
            ORDER BY next_attempt_at, id LIMIT ? {{skip_locked}}
        ) AS due
    ) AS ranked
    WHERE host_rank <= ? ORDER BY next_attempt_at, id LIMIT ?
)
RETURNING {COLUMNS}
"""

COMPLETE_SQL = completion_sql("deliveries")


def _time(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _db_time(moment: datetime | None) -> str | None:
    return to_db(moment) if moment is not None else None


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        activity_uri=row["activity_uri"],
        object_uri=row["object_uri"],
        actor_account_id=row["actor_account_id"],
        inbox_url=row["inbox_url"],
        host=row["host"],
        payload=bytes(row["payload"]),
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),
        locked_until=_time(row["locked_until"]),
        locked_by=row["locked_by"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        last_attempt_at=_time(row["last_attempt_at"]),
        created_at=from_db(row["created_at"]),
        finished_at=_time(row["finished_at"]),
    )


def domain_from_row(row: Row) -> DomainHealth:
    return DomainHealth(
        host=row["host"],
        consecutive_failures=row["consecutive_failures"],
        failure_days=row["failure_days"],
        first_failure_at=_time(row["first_failure_at"]),
        last_failure_at=_time(row["last_failure_at"]),
        last_success_at=_time(row["last_success_at"]),
        unavailable=bool(row["unavailable"]),
        circuit_open_until=_time(row["circuit_open_until"]),
    )




def _domain_params(health: DomainHealth) -> tuple[object, ...]:
    return (
        health.host,
        health.consecutive_failures,
        health.failure_days,
        _db_time(health.first_failure_at),
        _db_time(health.last_failure_at),
        _db_time(health.last_success_at),
        1 if health.unavailable else 0,
        _db_time(health.circuit_open_until),
    )


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


class SqlDeliveryStore:
    def __init__(self, database: Database, ids: IdGenerator) -> None:
        self._db = database
        self._ids = ids

    async def enqueue(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        moment = to_db(now)
        rows = [
            (self._ids.next_id(), d.activity_uri, d.object_uri, d.actor_account_id, d.inbox_url, d.host, d.payload, moment, moment)
            for d in deliveries
        ]
        return await self._db.execute_many(
            "INSERT INTO deliveries (id, activity_uri, object_uri, actor_account_id, inbox_url, host, payload,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (activity_uri, inbox_url) DO NOTHING",
            rows,
        )

    async def claim(
        self, worker_id: str, now: datetime, lease_until: datetime, limit: int, per_host_limit: int
    ) -> Sequence[Delivery]:
        moment = to_db(now)
        params = (to_db(lease_until), worker_id, moment, moment, limit * CANDIDATE_FACTOR, per_host_limit, limit)
        async with self._db.write() as connection:
            claim = CLAIM_SQL.replace("{skip_locked}", self._db.dialect.skip_locked)
            async with connection.execute(claim, params) as cursor:
                rows = await cursor.fetchall()
        claimed = [delivery_from_row(row) for row in rows]
        return sorted(claimed, key=lambda delivery: (delivery.next_attempt_at, delivery.id))

    async def complete(self, worker_id: str, updates: Sequence[DeliveryUpdate]) -> int:
        return await self._db.execute_many(COMPLETE_SQL, [completion_params(worker_id, update) for update in updates])

    async def get(self, delivery_id: int) -> Delivery | None:
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM deliveries WHERE id = ?", (delivery_id,))
        return delivery_from_row(row) if row else None

    async def for_activity(self, activity_uri: str) -> Sequence[Delivery]:
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM deliveries WHERE activity_uri = ? ORDER BY inbox_url", (activity_uri,)
        )
        return [delivery_from_row(row) for row in rows]

    async def inboxes_for_object(self, object_uri: str) -> Sequence[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT inbox_url FROM deliveries WHERE object_uri = ? AND state IN ('done', 'pending')"
            " ORDER BY inbox_url",
            (object_uri,),
        )
        return [row["inbox_url"] for row in rows]

    async def domains(self, hosts: Iterable[str], *, lock: bool = False) -> Mapping[str, DomainHealth]:
        wanted = sorted(set(hosts))
        found: dict[str, DomainHealth] = {}
        locking = f" ORDER BY host {self._db.dialect.for_update}" if lock else ""
        # Chunked to stay under SQLite's bound-parameter limit.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self._db.fetch_all(
                f"SELECT {DOMAIN_COLUMNS} FROM delivery_domains WHERE host IN ({_placeholders(len(chunk))}){locking}",
                chunk,
            )
            found.update((row["host"], domain_from_row(row)) for row in rows)
        return found

    async def update_domains(self, changes: Mapping[str, DomainChange]) -> Mapping[str, DomainHealth]:
        if not changes:
            return {}
        hosts = sorted(changes)
        async with self._db.write() as connection:
            # Every worker locks the hosts' rows in one order (by host), so concurrent workers queue
            # rather than deadlock, and each reads what the one before it wrote: no update is lost.
            await connection.executemany(
                "INSERT INTO delivery_domains (host) VALUES (?) ON CONFLICT (host) DO NOTHING", [(h,) for h in hosts]
            )
            current = await self.domains(hosts, lock=True)
            updated = {host: replace(changes[host](current.get(host) or DomainHealth(host)), host=host) for host in hosts}
            await connection.executemany(
                f"INSERT INTO delivery_domains ({DOMAIN_COLUMNS}) VALUES ({_placeholders(8)})"
                f" ON CONFLICT (host) DO UPDATE SET {DOMAIN_UPDATES}",
                [_domain_params(health) for health in updated.values()],
            )
        return updated

    async def unavailable_hosts(self, hosts: Iterable[str]) -> frozenset[str]:
        return frozenset(host for host, health in (await self.domains(hosts)).items() if health.unavailable)

    async def counts_by_host(self, limit: int = 100) -> Sequence[HostDeliveryCounts]:
        rows = await self._db.fetch_all(
            "SELECT host,"
            " SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed,"
            " SUM(CASE WHEN state = 'gone' THEN 1 ELSE 0 END) AS gone, SUM(CASE WHEN state = 'expired' THEN 1 ELSE 0 END) AS expired"
            " FROM deliveries GROUP BY host ORDER BY pending DESC, host LIMIT ?",
            (limit,),
        )
        return [
            HostDeliveryCounts(row["host"], row["pending"], row["done"], row["failed"], row["gone"], row["expired"])
            for row in rows
        ]

    async def list_domains(self, *, unavailable_only: bool = False, limit: int = 100) -> Sequence[DomainHealth]:
        where = "WHERE unavailable = 1" if unavailable_only else ""
        rows = await self._db.fetch_all(
            f"SELECT {DOMAIN_COLUMNS} FROM delivery_domains {where}"
            " ORDER BY consecutive_failures DESC, host LIMIT ?",
            (limit,),
        )
        return [domain_from_row(row) for row in rows]
