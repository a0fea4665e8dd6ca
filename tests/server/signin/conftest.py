"""A migrated storage of the current backend, for the sign-in services' tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.protocols import Storage
from tests.backends import fresh_database


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = open_storage(fresh_database(tmp_path, "signin.sqlite3"))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()
