"""Shared test configuration: async tests run on asyncio through anyio's plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import backends
from tests.fixtures_path import FIXTURES

# The parsed docs/nginx.conf, a module-scoped fixture shared by the nginx tests; and oidc_idp,
# a real OpenID Provider (oidc-provider under node) for the whole session, for the SSO tests.
pytest_plugins = ["tests.server.nginx_conf", "tests.idp_harness"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"test fixtures not found at {FIXTURES}")
    return FIXTURES


def pytest_report_header() -> str:
    return f"storage backend: {backends.BACKEND}"


@pytest.fixture(autouse=True)
def _drop_test_databases() -> object:
    yield
    if backends.on_postgresql():
        backends.drop_created()
