"""Shared test configuration: async tests run on asyncio through anyio's plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backends
from tests.fixtures_path import FIXTURES
from tests.s3_server import S3Server, key_prefix_for, running_s3_server, using_media_store

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


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def on_each_media_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Runs the test on the local store and again on a bucket of the suite's S3 server:
    ``settings_for`` builds its settings for the store of the run."""
    if request.param == "local":
        yield "local"
        return
    server: S3Server = request.getfixturevalue("s3_server")
    with using_media_store(server.environ(key_prefix_for(tmp_path))):
        yield "s3"
