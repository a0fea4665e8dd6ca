"""The storage conformance suite runs every test against every backend listed here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import open_storage
from storage.protocols import Storage

BACKENDS = ["sqlite"]


def database_for(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return str(tmp_path / "conformance.sqlite3")
    raise AssertionError(f"unknown backend {backend}")


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store = open_storage(database_for(request.param, tmp_path))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()
