"""What only the PostgreSQL backend does: SQL translation, concurrent start-up, id nodes, claims under load."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from activitypub.errors import StorageError
from storage.clock import utcnow
from storage.deliveries import NewDelivery
from storage.postgresql.migrator import postgres_migrations
from storage.postgresql.sql import translate
from storage.postgresql.storage import ID_NODE_LOCKS, PostgresStorage
from tests.backends import fresh_database, only_on_postgresql
from tests.storage.factories import new_account

pytestmark = pytest.mark.anyio


def test_placeholders_become_psycopgs_outside_quotes_and_comments() -> None:
    assert translate("SELECT a FROM t WHERE b = ? AND c = :name") == "SELECT a FROM t WHERE b = %s AND c = %(name)s"
    assert translate("SELECT '?', ':x', 'it''s ?' , x::text FROM t -- why? :because\nWHERE y = ?") == (
        "SELECT '?', ':x', 'it''s ?' , x::text FROM t -- why? :because\nWHERE y = %s"
    )
    assert translate("SELECT 1 WHERE name LIKE 'a%' AND b = ?") == "SELECT 1 WHERE name LIKE 'a%%' AND b = %s"


def test_insert_or_ignore_becomes_on_conflict_do_nothing() -> None:
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?)") == "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a") == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING a"
    )


@only_on_postgresql("the advisory lock is PostgreSQL's")
async def test_processes_starting_together_migrate_once_and_never_race(tmp_path: Path) -> None:
    url = fresh_database(tmp_path)
    stores = [PostgresStorage(url, pool_size=2) for _ in range(6)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        applied = await asyncio.gather(*(store.migrate() for store in stores))
        assert sorted(len(names) for names in applied) == [0, 0, 0, 0, 0, len(postgres_migrations())]
        assert [await store.pending_migrations() for store in stores] == [[]] * len(stores)
    finally:
        await asyncio.gather(*(store.close() for store in stores))


@only_on_postgresql("the advisory lock is PostgreSQL's")
async def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    store = PostgresStorage(fresh_database(tmp_path))
    await store.open()
    try:
        await store.migrate()
        await store.database.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 'x')"
        )
        with pytest.raises(StorageError, match="newer than this version"):
            await store.pending_migrations()
        with pytest.raises(StorageError, match="newer than this version"):
            await store.migrate()
    finally:
        await store.close()


@only_on_postgresql("id nodes are taken from PostgreSQL advisory locks")
async def test_each_open_storage_holds_its_own_id_node(tmp_path: Path) -> None:
    url = fresh_database(tmp_path)
    stores = [PostgresStorage(url, pool_size=1) for _ in range(4)]
    for store in stores:
        await store.open()
    try:
        nodes = {(store.ids.next_id() >> 10) & 0x3F for store in stores}
        assert len(nodes) == 4
    finally:
        for store in stores:
            await store.close()
    # Closed storages give their nodes back: each can be taken again at once
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as probe:
        for node in nodes:
            taken = await (await probe.execute("SELECT pg_try_advisory_lock(%s, %s)", (ID_NODE_LOCKS, node))).fetchone()
            assert taken is not None and taken[0]


@only_on_postgresql("SKIP LOCKED claims across connections")
async def test_concurrent_claims_from_many_connections_hand_each_delivery_out_once(tmp_path: Path) -> None:
    url = fresh_database(tmp_path)
    setup = PostgresStorage(url)
    await setup.open()
    await setup.migrate()
    now = utcnow()
    actor = (await setup.accounts.create_local(new_account("alice"))).id
    await setup.deliveries.enqueue(
        [NewDelivery(f"https://a.example/activities/{n}", None, actor, f"https://h{n % 20}.example/inbox",
                     f"h{n % 20}.example", b"{}") for n in range(600)],
        now,
    )
    workers = [PostgresStorage(url, pool_size=2) for _ in range(5)]
    for worker in workers:
        await worker.open()
    try:
        async def drain(index: int) -> list[int]:
            mine: list[int] = []
            while True:
                claimed = await workers[index].deliveries.claim(
                    f"w{index}", now + timedelta(seconds=1), now + timedelta(minutes=5), 25, 5
                )
                if not claimed:
                    return mine
                mine.extend(delivery.id for delivery in claimed)

        claimed = await asyncio.gather(*(drain(index) for index in range(len(workers))))
        every = [delivery_id for batch in claimed for delivery_id in batch]
        assert len(every) == 600 and len(set(every)) == 600
        assert sum(1 for batch in claimed if batch) >= 2  # the work really was shared
    finally:
        for worker in workers:
            await worker.close()
        await setup.close()
