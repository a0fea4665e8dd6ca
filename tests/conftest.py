"""Shared test configuration: async tests run on asyncio through anyio's plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import backends

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"shared fixtures not found at {FIXTURES}")
    return FIXTURES


def pytest_report_header() -> str:
    return f"storage backend: {backends.BACKEND}"


@pytest.fixture(autouse=True)
def _drop_test_databases() -> object:
    yield
    if backends.on_postgresql():
        backends.drop_created()
