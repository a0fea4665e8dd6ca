"""Streaming latency: from posting a status to its ``update`` arriving on N WebSocket clients.

Figure: p50 and p99 of (receipt time - time just before the POST) over
every client and every post, with N clients (default 1000, each a
different staff user, so every message is rendered for its own viewer)
subscribed to ``public`` on one uvicorn server process (SQLite on disk),
the clients and the poster in this process, all on loopback.
Baseline, the same server and process: the same latency with one client.

Goal: p99 <= 1 s at 1000 clients.

Run: /tmp/probe/bin/python bench/streaming.py [--clients 1000] [--users 1000] [--posts 5] [--database URL-or-path]
(a PostgreSQL URL: a new database beside it, ``<name>_streaming``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402

COMMAND = "/tmp/probe/bin/python bench/streaming.py"
GOAL_P99 = 1.0
WAIT = 15.0  # longest wait for one post to reach every client before giving up on the rest


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _settings(data_dir: Path, port: int, database: str) -> Any:
    from server.config import load_settings

    return load_settings(None, environ={
        "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
        "INSIDEOUT_STORAGE_DATABASE": database,
        "INSIDEOUT_SERVER_BASE_URL": f"http://127.0.0.1:{port}",
        "INSIDEOUT_SERVER_WORKERS_ENABLED": "false",
    })


async def _prepare(data_dir: Path, port: int, database: str, users: int) -> list[str]:
    """Accounts and tokens straight into the database (no password hashing): one poster, ``users`` viewers."""
    from server.bootstrap import prepare_instance
    from server.mastodon.auth import digest_token, new_token
    from storage import open_storage
    from storage.models import AccountKind, NewAccount, NewUser

    settings = _settings(data_dir, port, database)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        tokens = []
        for index in range(users + 1):
            name = f"user{index}"
            account = await storage.accounts.create_local(
                NewAccount(kind=AccountKind.EMPLOYEE, username=name, display_name=name, public_key_pem="-",
                           private_key_pem="-"),
                NewUser(email=f"{name}@example.com", password_hash="-"),
            )
            token = new_token()
            await storage.tokens.create_access_token(digest_token(token), account.id, None, ["read", "write"])
            tokens.append(token)
        return tokens
    finally:
        await storage.close()


def _serve(data_dir: str, port: int, database: str) -> None:
    """The server process: the real app under uvicorn, workers off."""
    import uvicorn

    from server.app import create_app
    from server.http_client import outbound_client
    from storage import open_storage

    _raise_file_limit()
    settings = _settings(Path(data_dir), port, database)
    app = create_app(settings, open_storage(settings.storage.database), outbound_client(settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", lifespan="on", backlog=4096)


async def _wait_for_server(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if (await client.get("/api/v1/streaming/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def _open(base: str, token: str) -> ClientConnection:
    ws = await connect(base.replace("http://", "ws://") + "/api/v1/streaming?stream=public",
                       subprotocols=[token], open_timeout=30, max_queue=None)  # type: ignore[list-item]
    # Messages are handled in order: the error for a bad subscription proves ``public`` is subscribed.
    await ws.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
    json.loads(await asyncio.wait_for(ws.recv(), 30))
    return ws


async def _receive(ws: ClientConnection, status_id: str) -> float | None:
    try:
        async with asyncio.timeout(WAIT):
            while True:
                message = json.loads(await ws.recv())
                if message.get("event") == "update" and json.loads(message["payload"])["id"] == status_id:
                    return time.perf_counter()
    except TimeoutError:
        return None


async def _round(base: str, poster: str, sockets: list[ClientConnection], posts: int) -> tuple[list[float], int]:
    """Post ``posts`` times; returns every latency and how many receipts never came."""
    latencies: list[float] = []
    missing = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for index in range(posts):
            # Posts go one by one, so each measures the fan-out alone.
            started = time.perf_counter()
            response = await client.post("/api/v1/statuses", headers={"Authorization": f"Bearer {poster}"},
                                         data={"status": f"bench post {index}"})
            response.raise_for_status()
            status_id = response.json()["id"]
            arrivals = await asyncio.gather(*(_receive(ws, status_id) for ws in sockets))
            latencies.extend(at - started for at in arrivals if at is not None)
            missing += sum(1 for at in arrivals if at is None)
            await asyncio.sleep(0.2)
    return latencies, missing


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(base: str, tokens: list[str], clients: int, posts: int) -> dict[str, Any]:
    poster, viewers = tokens[0], tokens[1:]
    baseline_socket = await _open(base, viewers[0])
    baseline, _ = await _round(base, poster, [baseline_socket], posts)
    await baseline_socket.close()
    sockets: list[ClientConnection] = []
    for start in range(0, clients, 100):  # connect in batches, as a reconnect storm would not
        sockets.extend(await asyncio.gather(*(_open(base, viewers[i % len(viewers)])
                                              for i in range(start, min(clients, start + 100)))))
    latencies, missing = await _round(base, poster, sockets, posts)
    await asyncio.gather(*(ws.close() for ws in sockets))
    return {"baseline": baseline, "latencies": latencies, "missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--users", type=int, default=None, help="distinct viewers (default: one per client)")
    parser.add_argument("--posts", type=int, default=5)
    add_database_option(parser)
    args = parser.parse_args()
    users = args.users or args.clients
    _raise_file_limit()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", _free_port()
        data_dir.mkdir()
        database = fresh_database(args.database, data_dir, "streaming")
        tokens = asyncio.run(_prepare(data_dir, port, database, users))
        server = multiprocessing.get_context("spawn").Process(target=_serve, args=(str(data_dir), port, database),
                                                              daemon=True)
        server.start()
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_for_server(base))
            result = asyncio.run(asyncio.wait_for(_measure(base, tokens, args.clients, args.posts), 600))
        finally:
            server.terminate()
            server.join(10)
    _report(result, args.clients, users, args.posts, backend_of(args.database))


def _report(result: dict[str, Any], clients: int, users: int, posts: int, backend: str = "sqlite") -> None:
    latencies, baseline = result["latencies"], result["baseline"]
    if not latencies:
        print("no update arrived: nothing to report")
        return
    p50, p99 = statistics.median(latencies), _quantile(latencies, 0.99)
    base50 = statistics.median(baseline)
    print(f"post -> update latency, {clients} WebSocket clients ({users} viewers), {posts} posts: "
          f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    print(f"  receipts: {len(latencies)}, missing after {WAIT:.0f} s: {result['missing']}")
    print(f"baseline, one client (median of {len(baseline)}): {base50 * 1000:.1f} ms; ratio p50/baseline "
          f"{p50 / base50:.1f}x, p99/baseline {p99 / base50:.1f}x")
    print(f"goal: p99 <= {GOAL_P99:.0f} s ({'met' if p99 <= GOAL_P99 and not result['missing'] else 'NOT met'})")
    print(f"command: {COMMAND} --clients {clients} --users {users} --posts {posts}")
    emit(f"streaming latency p50, {clients} clients", p50 * 1000, "ms", "", backend)
    # A missing receipt counts as infinitely late: the goal cannot be met with any.
    emit(f"streaming latency p99, {clients} clients", p99 * 1000 if not result["missing"] else float("inf"), "ms",
         f"<= {GOAL_P99 * 1000:.0f} ms", backend)


if __name__ == "__main__":
    main()
