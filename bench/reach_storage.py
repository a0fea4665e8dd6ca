"""Storage per million post views: the per-post daily sets we keep, against a HyperLogLog sketch per post-day.

A post view is one (post, UTC day, person) row of ``status_views`` (plus
that person's ISO week in ``reader_weeks``), written the way the server
writes them: ``ReachStore.record`` in batches of ``[analytics]
flush_events`` (5,000). Dataset: ``--posts`` posts, each read by
``--views / --posts`` distinct (day, person) pairs of ``--staff`` people
over ``--days`` days. Measured: the database's growth (SQLite: file size
after a WAL checkpoint; PostgreSQL: ``pg_total_relation_size`` of both
tables), write rate, and the time to count one post's reach.

Baseline in the same run: HyperLogLog at precision 12 (2^12 registers,
1.6% standard error), one dense sketch per post-day so reach per day and
in all (the union of the days) can be read: 4,096 bytes per post-day with
a byte per register (3,072 packed at 6 bits). Computed from the dataset's
own count of post-days, not stored.

Goal: exact counts (the privacy threshold and "the count is ten" need
them) at no more than the sketches' bytes per million post views.

Run: .venv/bin/python bench/reach_storage.py [--views N --posts N --staff N --days N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database, is_postgresql  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.protocols import Storage  # noqa: E402
from storage.reach import View  # noqa: E402

BATCH = 5_000
HLL_REGISTERS = 4_096
HLL_PACKED = 3_072
FIRST_DAY = date(2026, 1, 5)
# Our ids are 64-bit and time-sortable (storage/ids.py): as large as real ones, so rows are as wide.
POST_BASE = 117_000_000_000_000_000
PERSON_BASE = 116_000_000_000_000_000


def views(count: int, posts: int, staff: int, days: int, seed: int = 3) -> tuple[list[View], int]:
    """``count`` distinct views and the number of distinct post-days they fall on."""
    rng = random.Random(seed)
    each = count // posts
    found: list[View] = []
    post_days: set[tuple[int, str]] = set()
    for post in range(1, posts + 1):
        start = rng.randrange(60)
        chosen: set[tuple[str, int]] = set()
        while len(chosen) < each:
            # most reads come on the first days: a geometric-ish decay over ``days``
            offset = min(int(rng.expovariate(0.6)), days - 1)
            chosen.add(((FIRST_DAY + timedelta(days=start + offset)).isoformat(),
                        PERSON_BASE + rng.randrange(1, staff + 1) * 65_536))
        for day, person in chosen:
            found.append(View(POST_BASE + post * 65_536, day, person))
            post_days.add((post, day))
    rng.shuffle(found)
    return found, len(post_days)


def department_days(made: list[View], departments: int) -> int:
    """Distinct (post, day, department) among the views, each person in one of ``departments``: the sketches
    a per-department breakdown would need (one per department seen on each post-day)."""
    return len({(v.status_id, v.day, ((v.account_id - PERSON_BASE) // 65_536) % departments) for v in made})


async def size_of(storage: Storage, database: str) -> int:
    db = storage.database  # type: ignore[attr-defined]
    if is_postgresql(database):
        row = await db.fetch_one("SELECT pg_total_relation_size('status_views') + pg_total_relation_size('reader_weeks')"
                                 " AS n")
        return int(row["n"])
    await db.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(database).stat().st_size


async def measure(database: str, made: list[View], posts: int) -> dict[str, float]:
    storage = open_storage(database)
    await storage.open()
    try:
        await storage.migrate()
        before = await size_of(storage, database)
        started = time.perf_counter()
        for start in range(0, len(made), BATCH):
            await storage.reach.record(made[start:start + BATCH])
        write_s = time.perf_counter() - started
        again = time.perf_counter()
        await storage.reach.record(made[:BATCH])  # a batch of repeats: all conflicts, nothing new
        repeat_ms = (time.perf_counter() - again) * 1000
        after = await size_of(storage, database)
        timings = []
        for post in random.Random(5).sample(range(1, posts + 1), min(100, posts)):
            started = time.perf_counter()
            # the rows alone (no statuses here): what a post's exact count reads
            counted = await storage.reach.reach_by_post([POST_BASE + post * 65_536])
            assert counted, "the post's views are missing"
            timings.append((time.perf_counter() - started) * 1000)
        return {"bytes": after - before, "write_s": write_s, "repeat_ms": repeat_ms,
                "count_ms": statistics.median(timings)}
    finally:
        await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--departments", type=int, default=20)
    add_database_option(parser)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="insideout-reach-storage-"))
    database = fresh_database(args.database, folder, "reach_storage")
    made, post_days = views(args.views, args.posts, args.staff, args.days)
    try:
        found = asyncio.run(measure(database, made, args.posts))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    per_million = found["bytes"] * 1_000_000 / len(made)
    hll = post_days * HLL_REGISTERS * 1_000_000 / len(made)
    hll_packed = post_days * HLL_PACKED * 1_000_000 / len(made)
    sketches_by_department = department_days(made, args.departments)
    hll_departments = (post_days + sketches_by_department) * HLL_REGISTERS * 1_000_000 / len(made)
    print(f"{len(made):,} post views ({args.posts:,} posts, {args.staff:,} staff, {post_days:,} post-days), "
          f"written in batches of {BATCH:,}:")
    print(f"  status_views + reader_weeks: {found['bytes'] / 1e6:.1f} MB, {per_million / 1e6:.1f} MB per million "
          f"post views ({found['bytes'] / len(made):.1f} bytes a view)")
    print(f"  baseline HyperLogLog p=12 per post-day: {hll / 1e6:.1f} MB per million post views "
          f"({hll_packed / 1e6:.1f} MB packed); table / sketches = {per_million / hll:.2f}x")
    print(f"  with the breakdown by department ({args.departments} departments: {sketches_by_department:,} more "
          f"sketches, one per department seen on a post-day): {hll_departments / 1e6:.1f} MB per million; "
          f"table / sketches = {per_million / hll_departments:.2f}x (the table needs nothing more: it joins memberships)")
    print(f"  written at {len(made) / found['write_s']:,.0f} views/s; a batch of {BATCH:,} repeats "
          f"{found['repeat_ms']:.0f} ms; one post's exact reach counted in {found['count_ms']:.2f} ms (p50)")
    print(f"  command: .venv/bin/python bench/reach_storage.py --views {args.views} --posts {args.posts} "
          f"--staff {args.staff} --days {args.days} --departments {args.departments}" + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("reach storage per million post views", per_million / 1e6, "MB", f"<= {hll / 1e6:.1f} MB (HLL)", backend)
    emit("reach storage / HLL p=12", per_million / hll, "x", "<= 1x", backend)
    emit("reach storage / HLL p=12 with departments", per_million / hll_departments, "x", "<= 1x", backend)
    emit("reach views written per second", len(made) / found["write_s"], "views/s", "", backend)


if __name__ == "__main__":
    main()
