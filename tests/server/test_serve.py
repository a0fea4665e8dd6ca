"""`insideout serve` as an operator runs it: first start, /health, SIGTERM, restart, a moved base URL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(workdir: Path, port: int, **environ: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    env.update(environ)
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_healthy(process: subprocess.Popen[str], port: int) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not answer /health in 30 s")


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_first_start_creates_everything_and_shows_the_admin_password_once(workdir: Path) -> None:
    port = free_port()
    process = start(workdir, port)
    try:
        assert wait_healthy(process, port).text == "OK"
    finally:
        code, out, err = stop(process)

    assert code == 0, err
    assert (workdir / "data" / "insideout.sqlite3").exists()
    password_line = next(line for line in out.splitlines() if "password:" in line)
    password = password_line.split("password:")[1].strip()
    assert len(password) >= 20
    assert password not in err, "the admin password must never reach the logs"
    assert "Application shutdown complete" in err and "stopped" in err

    again = start(workdir, port)
    try:
        wait_healthy(again, port)
    finally:
        code, out, _ = stop(again)
    assert code == 0 and "password" not in out


def test_a_moved_base_url_stops_start_up_with_one_line(workdir: Path) -> None:
    port = free_port()
    first = start(workdir, port, INSIDEOUT_SERVER_BASE_URL="https://one.example")
    try:
        wait_healthy(first, port)
    finally:
        stop(first)

    moved = start(workdir, port, INSIDEOUT_SERVER_BASE_URL="https://two.example")
    out, err = moved.communicate(timeout=60)
    assert moved.returncode == 2
    assert err.strip().startswith("insideout: error: [server] base_url:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_json_logs_are_one_object_per_line(workdir: Path) -> None:
    import json

    port = free_port()
    process = start(workdir, port, INSIDEOUT_LOGGING_FORMAT="json")
    try:
        request_id = wait_healthy(process, port).headers["x-request-id"]
    finally:
        _, _, err = stop(process)
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("request_id") == request_id and r.get("path") == "/health" for r in records)
