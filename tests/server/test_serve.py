"""`insideout serve` as an operator runs it: first start, /health, SIGTERM, restart, a moved base URL.

Each server reads a config file in ``instance/`` and runs from a sibling folder, as an operator
running it from elsewhere would: every file it makes belongs beside the config, none in the
current folder.
"""

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

from server.cli.banner import is_loopback, loopback_notice
from server.config import load_settings

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(workdir: Path, port: int, **environ: str) -> subprocess.Popen[str]:
    """``insideout serve`` on ``workdir/config.toml``, run from the folder beside ``workdir``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    env.update(environ)
    env["PYTHONPATH"] = str(REPO)
    env["INSIDEOUT_CONFIG"] = str(workdir / "config.toml")
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=workdir.parent / "elsewhere", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.toml").write_text("")
    return tmp_path / "instance"


def first_lines(text: str, marker: str) -> list[str]:
    return [line for line in text.splitlines() if marker in line]


def test_first_start_creates_everything_and_shows_the_admin_password_once(workdir: Path) -> None:
    port = free_port()
    process = start(workdir, port)
    try:
        assert wait_healthy(process, port).text == "OK"
    finally:
        code, out, err = stop(process)

    assert code == 0, err
    assert (workdir / "data" / "insideout.sqlite3").exists()
    assert list((workdir.parent / "elsewhere").iterdir()) == [], "nothing in the current folder"
    password_line = next(line for line in out.splitlines() if "password:" in line)
    password = password_line.split("password:")[1].strip()
    assert len(password) >= 20
    assert password not in err, "the admin password must never reach the logs"
    assert f"Sign in at http://127.0.0.1:{port}/auth/sign_in" in out
    assert f"change it at http://127.0.0.1:{port}/settings/password" in out
    assert "Application shutdown complete" in err and "stopped" in err
    assert f"listening url=http://127.0.0.1:{port}" in err

    # the identity is fixed now, and a loopback address cannot federate: said once, with the way back
    assert len(first_lines(out, "a loopback address.")) == 1
    assert "Its identity is now fixed" in out
    assert "Other servers cannot reach a loopback address" in out
    assert f"remove the data dir {workdir / 'data'} (it holds the database insideout.sqlite3)" in out
    assert f'set [server] base_url = "https://your.domain" in {workdir / "config.toml"}' in out
    assert "loopback" not in err

    again = start(workdir, port)
    try:
        wait_healthy(again, port)
    finally:
        code, out, _ = stop(again)
    assert code == 0 and "password" not in out
    assert "loopback" not in out, "only the first start says it"


def test_a_moved_base_url_stops_start_up_with_one_line(workdir: Path) -> None:
    port = free_port()
    first = start(workdir, port, INSIDEOUT_SERVER_BASE_URL="https://one.example")
    try:
        wait_healthy(first, port)
    finally:
        _, out, _ = stop(first)
    assert "loopback" not in out, "a real domain needs no warning"

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


def test_a_port_in_use_is_one_line_and_exit_code_2(workdir: Path) -> None:
    # Given another program listening on the port
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        # When the server starts on it
        process = start(workdir, port)
        out, err = process.communicate(timeout=60)
    # Then it stops in one line, before creating anything
    assert process.returncode == 2
    assert err.startswith(f"insideout: error: port {port} on 127.0.0.1 is already in use; ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert out == ""
    assert not (workdir / "data" / "insideout.sqlite3").exists()


@pytest.mark.parametrize(
    ("base_url", "loopback"),
    [
        ("http://127.0.0.1:8000", True), ("http://127.8.9.10:8000", True), ("http://localhost:8000", True),
        ("http://app.localhost", True), ("http://[::1]:8000", True), ("https://social.example.com", False),
        ("http://10.0.0.5:8000", False), ("http://[2001:db8::1]", False),
    ],
)
def test_which_base_urls_are_loopback(base_url: str, loopback: bool) -> None:
    assert is_loopback(base_url) is loopback


def test_the_loopback_notice_on_postgresql_hides_the_password(tmp_path: Path) -> None:
    settings = load_settings(None, environ={
        "INSIDEOUT_STORAGE_DATABASE": "postgresql://insideout:s3cret@db.internal:5432/insideout",
        "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"),
    }, create_dirs=False)
    notice = loopback_notice(settings, None)
    assert "empty the database postgresql://insideout@db.internal:5432/insideout" in notice
    assert "s3cret" not in notice
    assert f"remove the data dir {tmp_path / 'data'}" in notice
    assert "in a config file" in notice


def test_connections_to_the_listening_socket_send_without_waiting_for_acks() -> None:
    # Without TCP_NODELAY a response written as headers then body waits for the client's delayed ACK:
    # 40 ms on every keep-alive request. asyncio sets it only on sockets that say they are TCP.
    import asyncio

    from server.cli.serve import listen

    async def accepted_nodelay() -> int:
        found: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            found.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listener = listen("127.0.0.1", 0)
        server = await asyncio.start_server(connected, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            value = await asyncio.wait_for(found, 5)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
