"""The reach recorder: a bounded buffer, written in batches, never losing what a failed write held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.config import AnalyticsSettings
from server.services.analytics_privacy import Cell, suppressed
from server.services.reach import ReachRecorder
from storage import open_storage
from storage.models import Account, AccountKind, NewStatus, Status, Visibility
from storage.protocols import Storage
from tests.backends import fresh_database
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio
NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


async def _opened(tmp_path: Path) -> Storage:
    storage = open_storage(fresh_database(tmp_path, "reach.sqlite3"))
    await storage.open()
    await storage.migrate()
    return storage


async def _people(storage: Storage, count: int) -> list[Account]:
    return [await storage.accounts.create_local(new_account(f"p{i}"), new_user(f"p{i}@example.com"))
            for i in range(count)]


async def _post(storage: Storage, author: Account) -> Status:
    return await storage.statuses.create(NewStatus(author.id, Visibility.PUBLIC, text="hi", content="<p>hi</p>"))


async def test_a_full_buffer_drops_views_rather_than_grow(tmp_path: Path) -> None:
    storage = await _opened(tmp_path)
    try:
        author, *readers = await _people(storage, 4)
        posts = [await _post(storage, author) for _ in range(2)]
        recorder = ReachRecorder(storage.reach, AnalyticsSettings(flush_events=1), clock=lambda: NOON)
        for reader in readers:
            recorder.seen(reader, posts)  # 6 views; the bound is 10 × 1

        assert recorder.pending == 6
        for _ in range(3):
            recorder.seen(readers[0], [await _post(storage, author) for _ in range(2)])
        assert recorder.pending == 10
        assert recorder.dropped == 2
        assert await recorder.flush() == 10
        assert recorder.pending == 0
    finally:
        await storage.close()


async def test_a_failed_write_keeps_its_views_for_the_next_flush(tmp_path: Path) -> None:
    storage = await _opened(tmp_path)
    author, reader = await _people(storage, 2)
    status = await _post(storage, author)
    recorder = ReachRecorder(storage.reach, AnalyticsSettings(), clock=lambda: NOON)
    recorder.seen(reader, [status])
    await storage.close()

    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the closed driver raises
        await recorder.flush()
    assert recorder.pending == 1
    await storage.open()
    try:
        assert await recorder.flush() == 1
    finally:
        await storage.close()


async def test_only_employees_count_and_never_for_their_own_posts(tmp_path: Path) -> None:
    storage = await _opened(tmp_path)
    try:
        author, reader = await _people(storage, 2)
        company = await storage.accounts.create_local(new_account("acme", AccountKind.COMPANY))
        status = await _post(storage, author)
        recorder = ReachRecorder(storage.reach, AnalyticsSettings(), clock=lambda: NOON)
        recorder.seen(author, [status])
        recorder.seen(company, [status])
        recorder.seen(None, [status])
        assert recorder.pending == 0
        recorder.seen(reader, [status])
        assert recorder.pending == 1
    finally:
        await storage.close()


def test_one_hidden_cell_takes_the_smallest_shown_one_with_it() -> None:
    # total 20 = 12 + 6 + 2: hiding 2 alone lets 20 - 12 - 6 give it away
    assert suppressed({"a": 12, "b": 6, "c": 2}, 5) == {"a": Cell(12), "b": Cell(None, 5), "c": Cell(None, 5)}
    # two hidden cells holding five together hide each other; an empty cell is listed, hidden like a small one
    assert suppressed({"a": 12, "b": 3, "c": 2, "d": 0}, 5) == {"a": Cell(12), "b": Cell(None, 5),
                                                                 "c": Cell(None, 5), "d": Cell(None, 5)}
    assert suppressed({"a": 3}, 5) == {"a": Cell(None, 5)}


async def test_a_view_written_today_is_not_buffered_again_until_tomorrow(tmp_path: Path) -> None:
    storage = await _opened(tmp_path)
    try:
        author, reader = await _people(storage, 2)
        status = await _post(storage, author)
        now = [NOON]
        recorder = ReachRecorder(storage.reach, AnalyticsSettings(), clock=lambda: now[0])
        recorder.seen(reader, [status])
        assert await recorder.flush() == 1

        recorder.seen(reader, [status])
        assert recorder.pending == 0
        now[0] = NOON + timedelta(days=1)
        recorder.seen(reader, [status])
        assert recorder.pending == 1
        assert await recorder.flush() == 1
    finally:
        await storage.close()
