"""The home timeline with reach recording on, against the same with it off, in one run.

Dataset: bench/home_timeline.py's (shared with it and bench/web_home.py,
built once under /tmp). Two apps over the same database in one process:
one with ``[analytics] record_reach = true`` (every post a reader is shown
goes to the in-memory buffer, flushed by the app's own task every
``flush_seconds`` or ``flush_events`` views), one with it off. Requests
alternate between them, reader by reader, through the real ASGI apps, so
both see the same data, caches and machine load; the flushes run while
requests are served, as in production.

Goal: recording on p50 and p99 <= 1.1x off.

Run: .venv/bin/python bench/reach_overhead.py [--accounts N --statuses N --follows N --requests N]
     [--database URL-or-path]
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
from bench.home_timeline import percentile  # noqa: E402
from server.services.access_tokens import digest_token, new_token  # noqa: E402
from storage.reach import PostSet  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for  # noqa: E402

GOAL_RATIO = 1.1
READERS = 500


async def tokens_for(app: object, accounts: int) -> list[str]:
    state = app.state.insideout  # type: ignore[attr-defined]
    users = [a for a in await state.storage.accounts.list_local() if a.username.startswith("user")][:accounts]
    tokens = []
    for account in random.Random(1).sample(users, min(READERS, len(users))):
        token = new_token()
        await state.storage.tokens.create_access_token(digest_token(token), account.id, None, ["read"])
        tokens.append(token)
    return tokens


async def measure(data_dir: Path, database: str, requests: int, accounts: int) -> dict[str, object]:
    common = {"INSIDEOUT_STORAGE_DATABASE": database}
    on = app_for(settings_for(data_dir, INSIDEOUT_ANALYTICS_RECORD_REACH="true", **common))
    off = app_for(settings_for(data_dir, INSIDEOUT_ANALYTICS_RECORD_REACH="false", **common))
    timings: dict[str, list[float]] = {"on": [], "off": []}
    async with serving(on) as on_client, serving(off) as off_client:
        database_handle = on.state.insideout.storage.database
        for table in ("status_views", "reader_weeks"):  # the shared dataset keeps no views of an earlier run
            await database_handle.execute(f"DELETE FROM {table}")
        tokens = await tokens_for(on, accounts)
        clients = {"on": on_client, "off": off_client}
        for n in range(50):  # warm both
            for client in clients.values():
                await client.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {tokens[n % 20]}"})
        started_all = time.perf_counter()
        for n in range(requests):
            headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            # alternate which goes first, so neither always meets a warmer cache
            for mode in (("on", "off") if n % 2 == 0 else ("off", "on")):
                started = time.perf_counter()
                answer = await clients[mode].get("/api/v1/timelines/home?limit=20", headers=headers)
                timings[mode].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200 and len(answer.json()) == 20, answer.text[:200]
        elapsed = time.perf_counter() - started_all
        recorder = on.state.insideout.services.reach
        buffered = recorder.pending
        started = time.perf_counter()
        written = await recorder.flush()
        last_flush_ms = (time.perf_counter() - started) * 1000
        some = await on.state.insideout.storage.reach.top(PostSet(), 1)
    return {"timings": timings, "elapsed": elapsed, "buffered": buffered, "written": written,
            "last_flush_ms": last_flush_ms, "dropped": recorder.dropped, "top": some, "recorded": recorder.written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--statuses", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1_000)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-{args.accounts}-{args.statuses}-{args.follows}"
    data_dir.mkdir(exist_ok=True)
    target = fresh_database(args.database, data_dir, "reach_overhead") if is_postgresql(args.database) \
        else args.database
    started = time.perf_counter()
    database = build(data_dir / "bench.sqlite3", accounts=args.accounts, statuses=args.statuses,
                     follows_each=args.follows, database=target)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s at {data_dir}", file=sys.stderr)
    found = asyncio.run(measure(data_dir, database, args.requests, args.accounts))
    timings: dict[str, list[float]] = found["timings"]  # type: ignore[assignment]
    on_p50, on_p99 = statistics.median(timings["on"]), percentile(timings["on"], 0.99)
    off_p50, off_p99 = statistics.median(timings["off"]), percentile(timings["off"], 0.99)
    print(f"GET /api/v1/timelines/home?limit=20, {args.statuses:,} statuses, {args.accounts:,} accounts following "
          f"{args.follows}, {args.requests} requests each, alternating, {min(READERS, args.accounts)} readers:")
    print(f"  recording on   p50 {on_p50:.2f} ms, p99 {on_p99:.2f} ms")
    print(f"  baseline off   p50 {off_p50:.2f} ms, p99 {off_p99:.2f} ms")
    print(f"  on / off = {on_p50 / off_p50:.3f}x at p50, {on_p99 / off_p99:.3f}x at p99 (goal <= {GOAL_RATIO}x)")
    print(f"  views recorded {found['recorded']:,} (repeats of a day skipped in memory); left in the buffer at the end "
          f"{found['buffered']}, written by the last flush {found['written']} in {found['last_flush_ms']:.1f} ms; "
          f"dropped {found['dropped']}; run took {found['elapsed']:.1f} s")
    print(f"  command: .venv/bin/python bench/reach_overhead.py --accounts {args.accounts} --statuses {args.statuses} "
          f"--follows {args.follows} --requests {args.requests}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("home p50 reach on / off", on_p50 / off_p50, "x", f"<= {GOAL_RATIO}x", backend)
    emit("home p99 reach on / off", on_p99 / off_p99, "x", f"<= {GOAL_RATIO}x", backend)
    emit("home p50 reach on", on_p50, "ms", "", backend)


if __name__ == "__main__":
    main()
