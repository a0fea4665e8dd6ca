"""Idle memory: resident set size of a real ``insideout serve`` process after start-up.

Figure: VmRSS (MB, summed over the server and any children) of
``python -m server.cli serve`` on a fresh data directory (SQLite, or
``--database``), read from /proc after /health answers and the server has
idled for ``--idle`` seconds (workers on, as a single-process install runs).
Baseline, in the same run: the RSS of a bare ``python -c "import time;
time.sleep(30)"`` of the same interpreter, which no server can go below.

Goal: <= 100 MB.

Run: /tmp/probe/bin/python bench/idle_rss.py [--idle 5] [--database URL-or-path]
(a PostgreSQL URL: a new database beside it, ``<name>_idle``).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "/tmp/probe/bin/python bench/idle_rss.py"
GOAL_MB = 100.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no VmRSS


def descendants(pid: int) -> list[int]:
    """Children, grandchildren...: uvicorn could fork workers (we run it single-process, but measure honestly)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        tasks = Path(f"/proc/{parent}/task")
        for task in tasks.iterdir() if tasks.exists() else ():
            children = task / "children"
            if children.exists():
                for child in children.read_text().split():
                    found.append(int(child))
                    pending.append(int(child))
    return found


def tree_rss_mb(pid: int) -> float:
    return sum(rss_kb(p) for p in [pid, *descendants(pid)]) / 1024


def bare_python_mb() -> float:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(1.0)
        return tree_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(10)


def server_environment(data_dir: Path, database: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
        "INSIDEOUT_STORAGE_DATABASE": database,
        "INSIDEOUT_SERVER_BASE_URL": f"http://127.0.0.1:{port}",
        "INSIDEOUT_SERVER_PORT": str(port),
        "INSIDEOUT_LOGGING_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }


def wait_for_health(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer /health")


def measure(database: str | None, idle: float) -> tuple[float, float]:
    """(server tree RSS MB, bare interpreter RSS MB)."""
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        target = fresh_database(database, Path(folder), "idle")
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], cwd=folder,
                                   env=server_environment(data_dir, target, port), stdout=subprocess.DEVNULL)
        try:
            wait_for_health(port, process)
            time.sleep(idle)
            served = tree_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(30)
    return served, bare_python_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds to idle after /health answers")
    add_database_option(parser)
    args = parser.parse_args()
    served, bare = measure(args.database, args.idle)
    print(f"idle `insideout serve` RSS after {args.idle:.0f} s: {served:.1f} MB "
          f"(goal <= {GOAL_MB:.0f} MB: {'met' if served <= GOAL_MB else 'NOT met'})")
    print(f"baseline, bare `python -c 'import time; time.sleep(30)'`: {bare:.1f} MB; server adds {served - bare:.1f} MB")
    print(f"command: {COMMAND} --idle {args.idle:g}" + (f" --database {args.database}" if args.database else ""))
    emit("idle serve RSS", served, "MB", f"<= {GOAL_MB:.0f} MB", backend_of(args.database))


if __name__ == "__main__":
    main()
