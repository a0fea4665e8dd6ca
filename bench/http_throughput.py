"""Requests per second over real HTTP: the home timeline, WebFinger and the actor document, under wrk.

The deployment is the default one: one ``insideout serve`` process (uvicorn) on SQLite, on this
machine, with the per-token rate limit off (``[limits] api_per_token = 0``): a benchmark that
counts 429s measures nothing, so every run also checks that every response was a 200.
The dataset is the one the Takahē comparison used (issue 16): 5 accounts, the viewer
follows the other 4, and a 10,000-post home timeline.

Baseline in the same run: a bare Starlette endpoint (one small JSON answer, no database) served
by uvicorn the same way, one process, so each figure is also a fraction of what the HTTP stack
itself allows here.

wrk (the load generator Takahē was measured with; Debian's ``wrk`` package, installed when missing)
runs with 2 threads and 16 connections (and 1 connection for the single-client figure).

Run: .venv/bin/python bench/http_throughput.py [--seconds 20] [--statuses 10000] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database, is_postgresql  # noqa: E402
from bench.dataset import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
_LATENCY = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.MULTILINE)
_ERRORS = re.compile(r"^\s*Socket errors:.*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Load:
    rate: float
    p99_ms: float
    requests: int


def bare_app() -> object:
    """The baseline: Starlette and uvicorn alone, answering a small JSON document."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def answer(request: object) -> JSONResponse:
        return JSONResponse({"id": "1", "content": "<p>hello</p>", "created_at": "2026-12-07T00:00:00.000Z"})

    return Starlette(routes=[Route("/bare", answer)])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise SystemExit("wrk is not installed and there is no apt-get to install it; install wrk by hand")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("installing wrk ...", file=sys.stderr)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def run_wrk(wrk: str, url: str, *, connections: int, seconds: float, headers: dict[str, str]) -> Load:
    command = [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    bad = _NON_2XX.search(output)
    errors = _ERRORS.search(output)
    if bad or errors:  # a 429, 404 or 500 measured as throughput would be a lie
        raise SystemExit(f"not every response was a 200 for {url}:\n{output}")
    rate, latency, count = _RATE.search(output), _LATENCY.search(output), _REQUESTS.search(output)
    if not (rate and latency and count):
        raise SystemExit(f"could not read wrk's report:\n{output}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    return Load(float(rate.group(1)), float(latency.group(1)) * scale, int(count.group(1)))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server for {url} exited during start-up")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer")
            await asyncio.sleep(0.1)


async def _viewer_token(env: dict[str, str]) -> tuple[str, str]:
    """A read token for the dataset's first account, and the company's username."""
    from server.bootstrap import prepare_instance
    from server.config import load_settings
    from server.services.access_tokens import digest_token, new_token
    from storage import open_storage

    settings = load_settings(None, environ=env)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        viewer = await storage.accounts.get_local("user0")
        assert viewer is not None, "the dataset has no user0"
        token = new_token()
        await storage.tokens.create_access_token(digest_token(token), viewer.id, None, ["read"])
        return token, settings.organization.company_username
    finally:
        await storage.close()


def _started(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def measure(args: argparse.Namespace, wrk: str) -> dict[str, Load]:
    """Each figure's load, against the dataset served by one ``insideout serve``, and the bare baseline."""
    with tempfile.TemporaryDirectory(prefix="insideout-http-") as folder:
        data_dir = Path(folder)
        target = fresh_database(args.database, data_dir, "http") if is_postgresql(args.database) else None
        # 5 accounts, each following the other 4: the viewer's home timeline holds every post.
        database = build(data_dir / "bench.sqlite3", accounts=5, statuses=args.statuses, follows_each=4,
                         database=target)
        port, bare_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
               "INSIDEOUT_STORAGE_DATABASE": database, "INSIDEOUT_SERVER_BASE_URL": base,
               "INSIDEOUT_LOGGING_LEVEL": "error", "INSIDEOUT_LIMITS_API_PER_TOKEN": "0",
               "INSIDEOUT_METRICS_ENABLED": "false"}
        token, company = asyncio.run(_viewer_token(env))
        server = _started([sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
                          env, data_dir / "server.log")
        bare = _started([sys.executable, "-m", "uvicorn", "--factory", "bench.http_throughput:bare_app",
                         "--port", str(bare_port), "--log-level", "error", "--no-access-log"],
                        env, data_dir / "bare.log")
        try:
            asyncio.run(_wait(f"{base}/health", server))
            asyncio.run(_wait(f"http://127.0.0.1:{bare_port}/bare", bare))
            home = f"{base}/api/v1/timelines/home?limit=20"
            auth = {"Authorization": f"Bearer {token}"}
            domain = base.removeprefix("http://")
            webfinger = f"{base}/.well-known/webfinger?resource=acct:{company}@{domain}"
            actor = f"{base}/users/{company}"
            run_wrk(wrk, home, connections=CONNECTIONS, seconds=2, headers=auth)  # warm caches and the JIT-less paths
            figures = {
                "bare": run_wrk(wrk, f"http://127.0.0.1:{bare_port}/bare", connections=CONNECTIONS,
                                seconds=args.seconds, headers={}),
                "home": run_wrk(wrk, home, connections=CONNECTIONS, seconds=args.seconds, headers=auth),
                "home_1": run_wrk(wrk, home, connections=1, seconds=args.seconds, headers=auth),
                "webfinger": run_wrk(wrk, webfinger, connections=CONNECTIONS, seconds=args.seconds,
                                     headers={"Accept": "application/jrd+json"}),
                "actor": run_wrk(wrk, actor, connections=CONNECTIONS, seconds=args.seconds,
                                 headers={"Accept": "application/activity+json"}),
            }
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=30)
    return figures


def report(args: argparse.Namespace, figures: dict[str, Load]) -> None:
    bare_rate = figures["bare"].rate
    print(f"one `insideout serve` on {backend_of(args.database)}, {args.statuses:,}-post home timeline,"
          f" wrk {CONNECTIONS} connections x {args.seconds:g} s, every response a 200:")
    print(f"  baseline: bare Starlette endpoint {bare_rate:,.0f} req/s, p99 {figures['bare'].p99_ms:.1f} ms")
    rows = [("home timeline req/s (16 conns)", "home", ">= 300 req/s"),
            ("home timeline req/s (1 conn)", "home_1", ""),
            ("WebFinger req/s (16 conns)", "webfinger", ">= 2500 req/s"),
            ("actor document req/s (16 conns)", "actor", ">= 2500 req/s")]
    for label, name, goal in rows:
        load = figures[name]
        print(f"  {label:<34} {load.rate:8,.0f}  p99 {load.p99_ms:7.1f} ms  {load.rate / bare_rate:5.1%} of bare"
              f"  ({goal or 'no goal'})")
    print(f"  home timeline p99 (16 conns): {figures['home'].p99_ms:.1f} ms (goal <= 100 ms)")
    database_option = f" --database {args.database}" if args.database else ""
    print(f"  command: .venv/bin/python bench/http_throughput.py --seconds {args.seconds:g}"
          f" --statuses {args.statuses}{database_option}")
    backend = backend_of(args.database)
    emit("bare Starlette req/s (baseline)", bare_rate, "req/s", "", backend)
    emit("home timeline req/s (16 conns)", figures["home"].rate, "req/s", ">= 300", backend)
    emit("home timeline p99 (16 conns)", figures["home"].p99_ms, "ms", "<= 100 ms", backend)
    emit("home timeline req/s (1 conn)", figures["home_1"].rate, "req/s", "", backend)
    emit("WebFinger req/s (16 conns)", figures["webfinger"].rate, "req/s", ">= 2500", backend)
    emit("actor document req/s (16 conns)", figures["actor"].rate, "req/s", ">= 2500", backend)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wrk's duration per figure")
    parser.add_argument("--statuses", type=int, default=10_000)
    add_database_option(parser)
    args = parser.parse_args()
    report(args, measure(args, ensure_wrk()))


if __name__ == "__main__":
    main()
