"""Conformance: sign-in token buckets in the database, shared by every process that opens it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.protocols import Storage
from storage.throttle import BucketRule
from tests.backends import BACKEND
from tests.storage.conftest import database_for

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0
RULE = BucketRule(capacity=5, period=50.0)  # one token back every 10 seconds


@pytest.fixture
async def other(storage: Storage, tmp_path: Path) -> AsyncIterator[Storage]:
    """A second storage on the same database: what another server process would open."""
    second = open_storage(database_for(BACKEND, tmp_path))
    await second.open()
    try:
        yield second
    finally:
        await second.close()


async def rows(storage: Storage) -> int:
    row = await storage.database.fetch_one("SELECT count(*) AS n FROM sign_in_buckets")  # type: ignore[attr-defined]
    return int(row["n"])


async def test_a_missing_bucket_is_full_and_each_spend_takes_one_token(storage: Storage) -> None:
    assert await storage.throttle.level("ip:10.0.0.1", RULE, NOW) == 5.0

    spent = [await storage.throttle.spend("ip:10.0.0.1", RULE, NOW) for _ in range(6)]

    assert [(s.allowed, s.tokens) for s in spent] == [
        (True, 4.0), (True, 3.0), (True, 2.0), (True, 1.0), (True, 0.0), (False, 0.0),
    ]
    assert await storage.throttle.level("ip:10.0.0.2", RULE, NOW) == 5.0  # other keys untouched


async def test_a_refusal_spends_nothing_and_time_refills_up_to_capacity(storage: Storage) -> None:
    for _ in range(5):
        await storage.throttle.spend("k", RULE, NOW)
    for _ in range(3):
        assert not (await storage.throttle.spend("k", RULE, NOW + 5)).allowed

    assert await storage.throttle.level("k", RULE, NOW + 5) == pytest.approx(0.5)
    again = await storage.throttle.spend("k", RULE, NOW + 10)
    assert again.allowed and again.tokens == pytest.approx(0.0)
    assert await storage.throttle.level("k", RULE, NOW + 10 + 25) == pytest.approx(2.5)
    assert await storage.throttle.level("k", RULE, NOW + 10 + 1000) == 5.0


async def test_a_clock_behind_the_rows_neither_refills_nor_drains(storage: Storage) -> None:
    await storage.throttle.spend("k", RULE, NOW)

    assert await storage.throttle.level("k", RULE, NOW - 100) == 4.0
    assert (await storage.throttle.spend("k", RULE, NOW - 100)).tokens == 3.0


async def test_concurrent_spends_from_two_processes_never_overspend(storage: Storage, other: Storage) -> None:
    rule = BucketRule(capacity=12, period=3600.0)
    stores = [storage, other]

    spent = await asyncio.gather(*(stores[n % 2].throttle.spend("ip:203.0.113.9", rule, NOW) for n in range(40)))

    assert sum(1 for s in spent if s.allowed) == 12
    assert await other.throttle.level("ip:203.0.113.9", rule, NOW) == 0.0
    assert not (await storage.throttle.spend("ip:203.0.113.9", rule, NOW)).allowed


async def test_forgetting_deletes_only_buckets_idle_for_a_whole_period(storage: Storage) -> None:
    await storage.throttle.spend("old", RULE, NOW)
    await storage.throttle.spend("recent", RULE, NOW + 30)

    assert await storage.throttle.forget_full(NOW + 50 - RULE.period) == 1

    assert await rows(storage) == 1
    assert await storage.throttle.level("old", RULE, NOW + 50) == 5.0
    assert await storage.throttle.level("recent", RULE, NOW + 50) == pytest.approx(5.0)
