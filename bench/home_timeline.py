"""Home timeline latency, server-side: GET /api/v1/timelines/home?limit=20 on SQLite.

Dataset: 1,000,000 statuses, 10,000 accounts each following 200 (built once
under /tmp). Requests go through the real ASGI app in-process, so the time
is the server's own. Baseline in the same process: the bare home-feed index
query that picks the 20 ids, to show what the API adds on top.

Run: .venv/bin/python bench/home_timeline.py [--accounts N --statuses N --requests N] [--database URL-or-path]
(a PostgreSQL URL: the dataset goes into a new database beside it, ``<name>_home``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database, is_postgresql  # noqa: E402
from bench.dataset import build  # noqa: E402
from server.mastodon.auth import digest_token, new_token  # noqa: E402
from storage.models import Page  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def measure(data_dir: Path, database: str, requests: int, accounts: int) -> tuple[list[float], list[float]]:
    settings = settings_for(data_dir, INSIDEOUT_STORAGE_DATABASE=database)
    app = app_for(settings)
    rng = random.Random(1)
    api: list[float] = []
    raw: list[float] = []
    async with serving(app) as client:
        storage = app.state.insideout.storage
        users = [a for a in await storage.accounts.list_local() if a.username.startswith("user")][:accounts]
        tokens = {}
        for account in rng.sample(users, min(200, len(users))):
            token = new_token()
            await storage.tokens.create_access_token(digest_token(token), account.id, None, ["read"])
            tokens[account.id] = token
        readers = list(tokens)
        for _ in range(50):  # warm the page cache
            await client.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {tokens[readers[0]]}"})
        for n in range(requests):
            reader = readers[n % len(readers)]
            started = time.perf_counter()
            response = await client.get("/api/v1/timelines/home?limit=20",
                                        headers={"Authorization": f"Bearer {tokens[reader]}"})
            api.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and len(response.json()) == 20, response.text[:200]
            started = time.perf_counter()
            await storage.timelines.home(reader, Page(limit=20))
            raw.append((time.perf_counter() - started) * 1000)
    return api, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--statuses", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2_000)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-{args.accounts}-{args.statuses}-{args.follows}"
    data_dir.mkdir(exist_ok=True)
    target = fresh_database(args.database, data_dir, "home") if is_postgresql(args.database) else args.database
    started = time.perf_counter()
    database = build(data_dir / "bench.sqlite3", accounts=args.accounts, statuses=args.statuses,
                     follows_each=args.follows, database=target)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s at {data_dir}", file=sys.stderr)
    api, raw = asyncio.run(measure(data_dir, database, args.requests, args.accounts))
    p50, p99 = statistics.median(api), percentile(api, 0.99)
    base = statistics.median(raw)
    print(f"home timeline limit=20, {args.statuses:,} statuses, {args.accounts:,} accounts following {args.follows}:")
    print(f"  server-side p50 {p50:.2f} ms, p99 {p99:.2f} ms (goal p50 <= 10 ms, p99 <= 50 ms)")
    print(f"  baseline (feed index query alone) p50 {base:.3f} ms; API / baseline = {p50 / base:.0f}x")
    print(f"  command: .venv/bin/python bench/home_timeline.py --accounts {args.accounts} "
          f"--statuses {args.statuses} --follows {args.follows} --requests {args.requests}")
    backend = backend_of(args.database)
    emit("home timeline p50", p50, "ms", "<= 10 ms", backend)
    emit("home timeline p99", p99, "ms", "<= 50 ms", backend)


if __name__ == "__main__":
    main()
