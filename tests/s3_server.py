"""A real S3 API server for the suite: moto in server mode (from the test extra), on a loopback port.

One server per test session, one bucket in it; each test gets its own key prefix, so tests never
see each other's objects. ``on_each_media_store`` (tests/conftest.py) runs a test once on the local
store and once on the bucket: ``settings_for`` picks up ``media_store_environ()``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BUCKET = "insideout-test"
ACCESS_KEY = "insideout-test-key"
SECRET_KEY = "insideout-test-secret"

_environ: dict[str, str] = {}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str = BUCKET

    def environ(self, prefix: str) -> dict[str, str]:
        return {
            "INSIDEOUT_MEDIA_STORAGE": "s3",
            "INSIDEOUT_MEDIA_S3_ENDPOINT": self.endpoint,
            "INSIDEOUT_MEDIA_S3_BUCKET": self.bucket,
            "INSIDEOUT_MEDIA_S3_REGION": "us-east-1",
            "INSIDEOUT_MEDIA_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "INSIDEOUT_MEDIA_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "INSIDEOUT_MEDIA_S3_PREFIX": prefix,
            "INSIDEOUT_MEDIA_S3_PATH_STYLE": "true",
        }

    def keys(self, prefix: str = "") -> list[str]:
        """Every key in the bucket under ``prefix``, read with a plain ListObjectsV2 (what an outsider with
        the bucket's listing would see)."""
        import re

        found: list[str] = []
        token = ""
        while True:
            params = {"list-type": "2", "prefix": prefix}
            if token:
                params["continuation-token"] = token
            body = httpx.get(f"{self.endpoint}/{self.bucket}", params=params).text
            found += re.findall(r"<Key>([^<]+)</Key>", body)
            more = re.search(r"<NextContinuationToken>([^<]+)</NextContinuationToken>", body)
            if not more:
                return found
            token = more.group(1)


def key_prefix_for(tmp_path: Path) -> str:
    return "t" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_s3_server(*, check_credentials: bool = False) -> Iterator[S3Server]:
    """``check_credentials``: the server refuses every request after the bucket's creation, as a server
    that does not know our access key would (moto's IAM checks, with no user created)."""
    port = _free_port()
    environ = {**os.environ, **({"INITIAL_NO_AUTH_ACTION_COUNT": "1"} if check_credentials else {})}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.put(f"{endpoint}/{BUCKET}").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's S3 server did not start")
            time.sleep(0.1)
        yield S3Server(endpoint)
    finally:
        server.terminate()
        server.wait(timeout=10)


def media_store_environ(data_path: Path | None = None) -> dict[str, str]:
    """The settings of the store the current test runs on (empty: the local store, the default).

    With ``data_path`` (the folder ``settings_for`` puts an instance's data in) the key prefix is that
    folder's own, so two instances of one test (``federation_pair``) keep their objects apart, as
    their data dirs are.
    """
    environ = dict(_environ)
    if environ and data_path is not None:
        environ["INSIDEOUT_MEDIA_S3_PREFIX"] = key_prefix_for(data_path)
    return environ


@contextmanager
def using_media_store(environ: dict[str, str]) -> Iterator[None]:
    _environ.clear()
    _environ.update(environ)
    try:
        yield
    finally:
        _environ.clear()
