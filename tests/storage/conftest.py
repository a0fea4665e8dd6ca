"""The storage conformance suite runs every test against every backend listed here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.protocols import Storage
from tests.backends import BACKEND, fresh_database

# The suite runs once per backend (scripts/test); every test here runs on the current one.
BACKENDS = [BACKEND]


def database_for(backend: str, tmp_path: Path) -> str:
    return fresh_database(tmp_path, "conformance.sqlite3")


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store = open_storage(database_for(request.param, tmp_path))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()
