"""Signed deliveries per second, end to end, against the raw signing rate.

Figure: deliveries/s of ``DeliveryWorker`` draining N queued activities
(one inbox each, spread over 200 host names) through the real outbound
client (SSRF guard, pinned connections, connection pool) to a real HTTP
server on loopback in a separate process, with SQLite storage on disk.
Baseline, in the same process: RSA-2048 ``rsa-sha256`` draft-cavage
signatures per second (``sign_cavage`` on the same kind of request).

Goals: >= 1,200 deliveries/s and >= 0.5x the signing rate.

Run: /tmp/probe/bin/python bench/deliveries.py [--count 5000] [--hosts 200] [--runs 3] [--database URL-or-path]
(with a PostgreSQL URL each run gets a new database beside it, ``<name>_deliveries_<run>``).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import multiprocessing
import multiprocessing.synchronize
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from activitypub.signatures import generate_rsa_key, private_key_pem, public_key_pem, sign_cavage  # noqa: E402
from bench.common import add_database_option, backend_of, drop_database, emit, fresh_database, is_postgresql  # noqa: E402
from federation.addresses import IPAddress  # noqa: E402
from federation.delivery import DeliveryWorker  # noqa: E402
from federation.fanout import serialise  # noqa: E402
from federation.guard import ExposureGuard  # noqa: E402
from federation.http import OutboundClient, OutboundSettings, build_http_client  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.deliveries import NewDelivery  # noqa: E402
from storage.models import AccountKind, NewAccount  # noqa: E402
from storage.protocols import Storage  # noqa: E402

BASE = "https://insideout.example"
COMMAND = "/tmp/probe/bin/python bench/deliveries.py"
GOAL_RATE = 1200.0
GOAL_RATIO = 0.5


# --- the remote inboxes: a minimal keep-alive HTTP/1.1 server in its own process ---


class _Inbox(asyncio.Protocol):
    """Reads requests with Content-Length bodies and answers each with 202."""

    ANSWER = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in bytes(self.buffer[:end]).split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.transport.write(self.ANSWER)


def _serve(port: int, ready: multiprocessing.synchronize.Event) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Inbox, "127.0.0.1", port, backlog=4096)
        ready.set()
        async with server:
            await server.serve_forever()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- (a) the baseline: signatures per second ---


def signing_rate(runs: int = 5, seconds: float = 1.0) -> float:
    key = generate_rsa_key(2048)
    body = serialise(_activity("alice", 1))
    headers = {"Content-Type": "application/activity+json", "Host": "h1.bench.test"}
    rates = []
    for _ in range(runs):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            sign_cavage("POST", "http://h1.bench.test/inbox", headers, body, f"{BASE}/users/alice#main-key", key)
            count += 1
        rates.append(count / elapsed)
    return statistics.median(rates)


# --- (b) the figure: deliveries per second ---


def _activity(username: str, number: int) -> dict[str, object]:
    actor = f"{BASE}/users/{username}"
    note = f"{actor}/statuses/{number}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note}/activity",
        "type": "Create",
        "actor": actor,
        "published": "2025-03-03T09:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor}/followers"],
        "object": {
            "id": note,
            "type": "Note",
            "attributedTo": actor,
            "url": f"{BASE}/@{username}/{number}",
            "content": "<p>" + "A published update from the organisation. " * 12 + "</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{actor}/followers"],
        },
    }


async def _resolve(host: str, port: int) -> Sequence[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")]


async def _is_public(url: str) -> bool:
    return "/statuses/" in url or "/@" in url


async def _prepare(database: str, count: int, hosts: int, port: int, pem: tuple[str, str]) -> Storage:
    storage = open_storage(database)
    await storage.open()
    await storage.migrate()
    account = NewAccount(AccountKind.COMPANY, "acme", "Acme", pem[0], pem[1], exposed=True)
    actor = await storage.accounts.create_local(account)
    rows = []
    for number in range(count):
        activity = _activity("acme", number)
        host = f"h{number % hosts}.bench.test"
        inbox = f"http://{host}:{port}/inbox"
        rows.append(NewDelivery(str(activity["id"]), None, actor.id, inbox, host, serialise(activity)))
    await storage.deliveries.enqueue(rows, utcnow())
    return storage


async def drain_once(count: int, hosts: int, port: int, pem: tuple[str, str], options: dict[str, int],
                     database: str | None = None, run: int = 0) -> float:
    with tempfile.TemporaryDirectory() as folder:
        target = fresh_database(database, Path(folder), f"deliveries_{run}")
        storage = await _prepare(target, count, hosts, port, pem)
        settings = _outbound_settings(options)
        try:
            if options["workers"] > 1:
                elapsed = _drain_in_processes(target, port, options)
            else:
                async with build_http_client(settings, resolver=_resolve) as http:
                    worker = _worker(storage, http, options, "bench")
                    start = time.perf_counter()
                    while await worker.run_once():
                        pass
                    elapsed = time.perf_counter() - start
            counts = await storage.deliveries.counts_by_host(limit=hosts)
            done = sum(c.done for c in counts)
            if done != count:
                raise SystemExit(f"only {done} of {count} delivered: {counts[:3]}")
        finally:
            await storage.close()
            if database is not None and is_postgresql(database):
                drop_database(database, target.rsplit("/", 1)[-1])
    return count / elapsed


def _outbound_settings(options: dict[str, int]) -> OutboundSettings:
    return OutboundSettings(
        user_agent="Insideout-bench",
        allow_private_addresses=True,
        max_connections=options["connections"],
        max_connections_per_host=options["per_host"],
    )


def _worker(storage: Storage, http: OutboundClient, options: dict[str, int], worker_id: str) -> DeliveryWorker:
    return DeliveryWorker(
        storage, http, ExposureGuard(storage, BASE, _is_public), base_url=BASE, worker_id=worker_id,
        batch=options["batch"], concurrency=options["concurrency"], per_host_concurrency=options["per_host"],
        sign_in_thread=bool(options["sign_in_thread"]),
    )  # fmt: skip


def _drain_in_processes(database: str, port: int, options: dict[str, int]) -> float:
    """``--workers N``: N processes drain the one queue, as N ``insideout worker`` processes would.

    Each process imports, opens its storage and connects first; the clock starts when all are ready.
    """
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(options["workers"] + 1)
    processes = [
        context.Process(target=_drain_process, args=(database, port, options, index, ready), daemon=True)
        for index in range(options["workers"])
    ]
    for process in processes:
        process.start()
    ready.wait(timeout=120)
    start = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    if any(process.exitcode for process in processes):
        raise SystemExit(f"a delivery process failed: exit codes {[p.exitcode for p in processes]}")
    return elapsed


def _drain_process(database: str, port: int, options: dict[str, int], index: int,
                   ready: multiprocessing.synchronize.Barrier) -> None:
    async def drain() -> None:
        storage = open_storage(database)
        await storage.open()
        try:
            async with build_http_client(_outbound_settings(options), resolver=_resolve) as http:
                worker = _worker(storage, http, options, f"bench-{index}")
                await asyncio.to_thread(ready.wait, 120)
                while await worker.run_once():
                    pass
        finally:
            await storage.close()

    asyncio.run(drain())


async def bare_posts(count: int, hosts: int, port: int, options: dict[str, int]) -> float:
    """The same client and server with no storage, guard or signature: the HTTP stack's ceiling here."""
    settings = OutboundSettings(
        user_agent="Insideout-bench",
        allow_private_addresses=True,
        max_connections=options["connections"],
        max_connections_per_host=options["per_host"],
    )
    body = serialise(_activity("acme", 0))
    headers = {"Content-Type": "application/activity+json"}
    async with build_http_client(settings, resolver=_resolve) as http:
        gate = asyncio.Semaphore(options["concurrency"])

        async def post(number: int) -> None:
            async with gate:
                await http.post(f"http://h{number % hosts}.bench.test:{port}/inbox", body, headers)

        start = time.perf_counter()
        await asyncio.gather(*(post(number) for number in range(count)))
        return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--connections", type=int, default=1024)
    parser.add_argument("--sign-in-loop", action="store_true", help="sign on the event loop instead of a thread")
    parser.add_argument("--workers", type=int, default=1, help="delivery processes sharing the queue")
    add_database_option(parser)
    args = parser.parse_args()
    options = {
        "batch": args.batch, "concurrency": args.concurrency, "per_host": args.per_host,
        "connections": args.connections, "sign_in_thread": int(not args.sign_in_loop), "workers": args.workers,
    }  # fmt: skip

    port = _free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(10):
            raise SystemExit("the inbox server did not start")
        key = generate_rsa_key(2048)
        pem = (public_key_pem(key.public_key()), private_key_pem(key))
        signing = signing_rate()
        rates = [asyncio.run(drain_once(args.count, args.hosts, port, pem, options, args.database, run))
                 for run in range(args.runs)]
        bare = statistics.median(asyncio.run(bare_posts(args.count, args.hosts, port, options)) for _ in range(args.runs))
    finally:
        server.terminate()
        server.join()
    report(signing, bare, rates, args.count, args.hosts, options, backend_of(args.database), args.workers)


def report(signing: float, bare: float, rates: list[float], count: int, hosts: int, options: dict[str, int],
           backend: str = "sqlite", workers: int = 1) -> None:
    rate = statistics.median(rates)
    # N processes can sign on N cores at most: the bound they are held to is the one-core rate times that.
    cores = min(workers, os.cpu_count() or 1)
    bound = signing * cores
    ratio = rate / bound
    print(f"signed deliveries/s (median of {len(rates)}): {rate:,.0f}   runs: {', '.join(f'{r:,.0f}' for r in rates)}")
    print(f"  {count} activities, one inbox each over {hosts} hosts, options {json.dumps(options)}")
    print(f"RSA-2048 rsa-sha256 signatures/s in-process on one core (median of 5): {signing:,.0f}"
          + (f"; bound for {workers} processes on {cores} cores: {bound:,.0f}" if cores > 1 else ""))
    print(f"ratio deliveries/signing bound: {ratio:.2f}")
    print(f"unsigned POSTs/s through the same client, no storage or guard (median): {bare:,.0f}"
          f" -> deliveries reach {rate / bare:.2f}x of the bare HTTP stack")  # fmt: skip
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"goals: >= {GOAL_RATE:,.0f}/s ({'met' if rate >= GOAL_RATE else 'NOT met'}), "
          f">= {GOAL_RATIO}x signing ({'met' if ratio >= GOAL_RATIO else 'NOT met'})")  # fmt: skip
    print(f"command: {COMMAND} {' '.join(sys.argv[1:])}".rstrip())
    processes = f" ({workers} processes)" if workers > 1 else ""
    emit(f"signed deliveries/s{processes}", rate, "/s", f">= {GOAL_RATE:,.0f}/s", backend)
    emit(f"deliveries / signing rate{processes}", ratio, "x", f">= {GOAL_RATIO}x", backend)


if __name__ == "__main__":
    main()
