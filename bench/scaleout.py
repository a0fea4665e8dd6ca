"""Scale-out: what N server processes and M worker processes handle together, against 1 + 1, on one database.

Figure, for each shape (default 1+1 and 2+2): statuses/s answered by the
servers (``python -m server.cli serve --no-workers``, one port each, the
client round-robins across them) to ``--lanes`` concurrent clients posting
internal posts (POST /api/v1/statuses: each goes into its author's and
``--followers`` followers' home feeds) for ``--seconds``; meanwhile the
workers (``python -m server.cli worker``) drain ``--deliveries`` signed
deliveries, queued up front, to a loopback inbox server spread over
``--hosts`` loopback addresses: deliveries/s until the last is done.
Baseline: the 1+1 shape in the same run; the ratio N+M / 1+1 is the
scale-out figure. Each shape starts on a fresh database.

SQLite serialises every write in one file, so there the figure shows the
ceiling; on PostgreSQL (``--database URL``) it is the meaningful one.

Run: /tmp/probe/bin/python bench/scaleout.py [--shapes 1x1,2x2] [--seconds 10] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import multiprocessing.synchronize
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.common import add_database_option, backend_of, drop_database, emit, fresh_database, is_postgresql  # noqa: E402
from bench.deliveries import _Inbox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "/tmp/probe/bin/python bench/scaleout.py"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
TOKENS_PER_POSTER = 8  # the API allows 300 requests per 5 minutes per token and server process


@dataclass(frozen=True, slots=True)
class Shape:
    servers: int
    workers: int

    @property
    def name(self) -> str:
        return f"{self.servers}+{self.workers}"


@dataclass(frozen=True, slots=True)
class Outcome:
    statuses_per_second: float
    deliveries_per_second: float
    failed_posts: int
    undelivered: int


def parse_shapes(text: str) -> list[Shape]:
    shapes = []
    for part in text.split(","):
        servers, _, workers = part.strip().partition("x")
        shapes.append(Shape(int(servers), int(workers)))
    return shapes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the remote inboxes: the deliveries bench's keep-alive server on several loopback addresses ---


def _serve_inboxes(port: int, hosts: int, ready: multiprocessing.synchronize.Event) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(_Inbox, _host(n), port, backlog=4096) for n in range(hosts)]
        ready.set()
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(main())


def _host(number: int) -> str:
    return f"127.0.0.{2 + number}"


# --- one shape ---


def _environment(data_dir: Path, database: str, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
        "INSIDEOUT_STORAGE_DATABASE": database,
        "INSIDEOUT_SERVER_BASE_URL": base_url,
        "INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
        "INSIDEOUT_LOGGING_LEVEL": "error",
    }


async def _prepare(env: dict[str, str], posters: int, followers: int, deliveries: int, hosts: int,
                   inbox_port: int) -> list[list[str]]:
    """Schema, company, posters each followed by ``followers`` accounts, tokens; the deliveries queued.
    Returns the tokens of each poster."""
    from federation.fanout import serialise
    from server.bootstrap import prepare_instance
    from server.config import load_settings
    from server.mastodon.auth import digest_token, new_token
    from storage import open_storage
    from storage.clock import utcnow
    from storage.deliveries import NewDelivery
    from storage.models import AccountKind, FollowState, NewAccount, NewUser

    settings = load_settings(None, environ=env)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)

        async def employee(name: str) -> int:
            account = await storage.accounts.create_local(
                NewAccount(kind=AccountKind.EMPLOYEE, username=name, display_name=name, public_key_pem="-",
                           private_key_pem="-"),
                NewUser(email=f"{name}@bench.example", password_hash="-"),
            )
            return account.id

        readers = [await employee(f"reader{n}") for n in range(max(followers, 1))]
        tokens: list[list[str]] = []
        for number in range(posters):
            poster = await employee(f"poster{number}")
            for reader in readers[:followers]:
                await storage.follows.follow(reader, poster, FollowState.ACCEPTED)
            issued = []
            for _ in range(TOKENS_PER_POSTER):
                token = new_token()
                await storage.tokens.create_access_token(digest_token(token), poster, None, ["read", "write"])
                issued.append(token)
            tokens.append(issued)
        company = await storage.accounts.get_local(settings.organization.company_username)
        assert company is not None
        actor = f"{settings.base_url}/users/{company.username}"
        rows = []
        for number in range(deliveries):
            host = _host(number % hosts)
            # A Like of a remote note names nothing of ours but the (always exposed) company: the guard lets it out.
            activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}#likes/{number}",
                        "type": "Like", "actor": actor, "object": f"http://{host}:{inbox_port}/notes/{number}",
                        "to": [AS_PUBLIC]}
            rows.append(NewDelivery(str(activity["id"]), None, company.id, f"http://{host}:{inbox_port}/inbox",
                                    f"{host}:{inbox_port}", serialise(activity)))
        await storage.deliveries.enqueue(rows, utcnow())
        return tokens
    finally:
        await storage.close()


async def _delivered(env: dict[str, str], hosts: int) -> tuple[int, int]:
    """(done, ended otherwise: failed, gone or expired) over the whole queue."""
    from server.config import load_settings
    from storage import open_storage

    storage = open_storage(load_settings(None, environ=env).storage.database)
    await storage.open()
    try:
        counts = await storage.deliveries.counts_by_host(limit=hosts + 10)
        return sum(c.done for c in counts), sum(c.failed + c.gone + c.expired for c in counts)
    finally:
        await storage.close()


async def _wait_healthy(ports: Sequence[int], processes: Sequence[subprocess.Popen[bytes]]) -> None:
    async with httpx.AsyncClient() as client:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                if any(p.poll() is not None for p in processes):
                    raise SystemExit("a server process exited during start-up")
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server on port {port} did not answer /health")
                await asyncio.sleep(0.1)


async def _post_for(ports: Sequence[int], tokens: list[list[str]], lanes: int, seconds: float) -> tuple[int, int, float]:
    """(statuses created, failed posts, elapsed): ``lanes`` clients posting back to back, round-robin over ports."""
    bases = itertools.cycle(f"http://127.0.0.1:{port}" for port in ports)
    limits = httpx.Limits(max_connections=lanes * 2, max_keepalive_connections=lanes * 2)
    created = failed = 0
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def lane(number: int) -> None:
            nonlocal created, failed
            own = itertools.cycle(tokens[number % len(tokens)])
            count = 0
            while time.perf_counter() < deadline:
                count += 1
                try:
                    response = await client.post(f"{next(bases)}/api/v1/statuses",
                                                 headers={"Authorization": f"Bearer {next(own)}"},
                                                 data={"status": f"lane {number} post {count}"})
                except httpx.TransportError as error:
                    failed += 1
                    problem = f"{type(error).__name__}"
                else:
                    if response.status_code == 200:
                        created += 1
                        continue
                    failed += 1
                    problem = f"{response.status_code} {response.text[:200]}"
                if failed == 1:
                    print(f"  a post failed: {problem} (server logs: server-*.log in the run's folder)",
                          file=sys.stderr)
                await asyncio.sleep(0.05)  # a failing server is not hammered

        await asyncio.gather(*(lane(n) for n in range(lanes)))
        return created, failed, time.perf_counter() - started


async def _drive(env: dict[str, str], ports: Sequence[int], processes: Sequence[subprocess.Popen[bytes]],
                 tokens: list[list[str]], args: argparse.Namespace) -> Outcome:
    await _wait_healthy(ports, processes)
    # Workers start with their process's lifespan, as /health starts answering: both clocks start here.
    started = time.perf_counter()

    async def drain() -> tuple[int, float]:
        """(deliveries done, seconds until the queue was empty or the timeout), watched while clients post."""
        deadline = started + args.seconds + args.drain_timeout
        while True:
            done, ended = await _delivered(env, args.hosts)
            if done + ended >= args.deliveries or time.perf_counter() > deadline:
                return done, time.perf_counter() - started
            await asyncio.sleep(0.05)

    watching = asyncio.create_task(drain())
    created, failed, elapsed = await _post_for(ports, tokens, args.lanes, args.seconds)
    done, drained = await watching
    return Outcome(created / elapsed, done / drained if args.deliveries else 0.0, failed, args.deliveries - done)


def run_shape(shape: Shape, args: argparse.Namespace, inbox_port: int) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        database = fresh_database(args.database, Path(folder), f"scaleout_{shape.servers}x{shape.workers}")
        ports = [free_port() for _ in range(shape.servers)]
        env = _environment(data_dir, database, f"http://127.0.0.1:{ports[0]}")
        tokens = asyncio.run(_prepare(env, args.posters, args.followers, args.deliveries, args.hosts, inbox_port))
        serve = [sys.executable, "-m", "server.cli", "serve"]
        processes: list[subprocess.Popen[bytes]] = []
        try:
            commands = [[*serve, "--port", str(port), "--no-workers"] for port in ports]
            commands.extend([sys.executable, "-m", "server.cli", "worker"] for _ in range(shape.workers))
            for number, command in enumerate(commands):
                with open(Path(folder) / f"server-{number}.log", "wb") as log:
                    processes.append(subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                                      stderr=log))
            outcome = asyncio.run(_drive(env, ports, processes, tokens, args))
            if outcome.failed_posts or outcome.undelivered:
                _show_logs(Path(folder))
            return outcome
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
            if args.database is not None and is_postgresql(args.database):
                drop_database(args.database, database.rsplit("/", 1)[-1])


def _show_logs(folder: Path, lines: int = 15) -> None:
    for log in sorted(folder.glob("server-*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        if tail:
            print(f"--- last lines of {log.name}:", *tail, sep="\n", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="1x1,2x2", help="servers x workers, comma-separated; the first is the baseline")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the clients post")
    parser.add_argument("--lanes", type=int, default=32, help="concurrent posting clients")
    parser.add_argument("--posters", type=int, default=64)
    parser.add_argument("--followers", type=int, default=50, help="home feeds each post is written into")
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    add_database_option(parser)
    args = parser.parse_args()
    shapes = parse_shapes(args.shapes)
    inbox_port = free_port()
    ready = multiprocessing.Event()
    inboxes = multiprocessing.Process(target=_serve_inboxes, args=(inbox_port, args.hosts, ready), daemon=True)
    inboxes.start()
    try:
        if not ready.wait(10):
            raise SystemExit("the inbox server did not start")
        outcomes = {shape: run_shape(shape, args, inbox_port) for shape in shapes}
    finally:
        inboxes.terminate()
        inboxes.join()
    report(outcomes, args)


def report(outcomes: dict[Shape, Outcome], args: argparse.Namespace) -> None:
    backend = backend_of(args.database)
    baseline_shape = next(iter(outcomes))
    baseline = outcomes[baseline_shape]
    print(f"scale-out on {backend}: {args.lanes} clients posting for {args.seconds:g} s "
          f"(each post into {args.followers} home feeds), {args.deliveries} deliveries over {args.hosts} hosts")
    for shape, outcome in outcomes.items():
        ratio = outcome.statuses_per_second / baseline.statuses_per_second if baseline.statuses_per_second else 0.0
        print(f"  {shape.name:>5} (servers+workers): {outcome.statuses_per_second:8.1f} statuses/s "
              f"({ratio:.2f}x of {baseline_shape.name}), {outcome.deliveries_per_second:8.1f} deliveries/s"
              f"{f', {outcome.failed_posts} failed posts' if outcome.failed_posts else ''}"
              f"{f', {outcome.undelivered} undelivered' if outcome.undelivered else ''}")
    print(f"command: {COMMAND} --shapes {args.shapes} --seconds {args.seconds:g} --lanes {args.lanes} "
          f"--followers {args.followers} --deliveries {args.deliveries}"
          + (f" --database {args.database}" if args.database else ""))
    for shape, outcome in outcomes.items():
        emit(f"scale-out {shape.name} statuses/s", outcome.statuses_per_second, "/s", "", backend)
        emit(f"scale-out {shape.name} deliveries/s", outcome.deliveries_per_second, "/s", "", backend)
    last_shape = list(outcomes)[-1]
    if last_shape != baseline_shape and baseline.statuses_per_second:
        ratio = outcomes[last_shape].statuses_per_second / baseline.statuses_per_second
        goal = "> 1x on PostgreSQL" if backend == "postgresql" else "(SQLite: one writer; see PostgreSQL)"
        emit(f"scale-out {last_shape.name} / {baseline_shape.name} statuses", ratio, "x", goal, backend)


if __name__ == "__main__":
    main()
