"""Marking a company post important: the ``status`` notification to every member of staff, in bulk.

Dataset: bench/dataset.py's (accounts with sign-in rows, follows, statuses),
built once under /tmp. Figure: the time ``ImportantPosts.mark`` takes for a
company post whose audience is every employee (``--accounts``), each getting
one ``status`` notification through ``Distribution.notify_many`` (one
statement and transaction per 500 people, streams and pushes as usual).
Baseline in the same process: the per-person path, ``Distribution.notify``
once per employee in a transaction of its own, for another company post and
the same audience.

Goal: the bulk path <= 0.25x the per-person one.

Run: .venv/bin/python bench/important_posts.py [--accounts N --statuses N --follows N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from bench.dataset import build  # noqa: E402
from server.services.review_roles import Reviewer  # noqa: E402
from server.services.status_draft import StatusDraft  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.models import AccountKind  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for  # noqa: E402

GOAL_RATIO = 0.25


async def measure(data_dir: Path, database: str) -> tuple[float, float, int, int]:
    """(bulk seconds, per-person seconds, notified in bulk, notified one by one)."""
    app = app_for(settings_for(data_dir, INSIDEOUT_STORAGE_DATABASE=database))
    async with serving(app):
        state = app.state.insideout
        services, storage = state.services, state.storage
        company = (await storage.accounts.list_local(AccountKind.COMPANY))[0]
        bulk_post = await services.statuses.create(company, StatusDraft(text="Benefits enrolment closes Friday"))
        single_post = await services.statuses.create(company, StatusDraft(text="Offices closed Monday"))
        audience = await services.important_posts.audience(company)

        started = time.perf_counter()
        await services.important_posts.mark(Reviewer.cli("bench"), bulk_post.id, utcnow() + timedelta(days=1))
        bulk = time.perf_counter() - started

        started = time.perf_counter()
        accounts = await storage.accounts.get_many(audience)
        for account_id in audience:
            async with services.distribution.atomic():
                await services.distribution.notify(accounts[account_id], company, "status", single_post.id)
        single = time.perf_counter() - started
        made = await _count(state, single_post.id)
        bulk_made = await _count(state, bulk_post.id)
    return bulk, single, bulk_made, made


async def _count(state: object, status_id: int) -> int:
    database = state.storage.database  # type: ignore[attr-defined]
    row = await database.fetch_one("SELECT count(*) FROM notifications WHERE status_id = ? AND type = 'status'",
                                   (status_id,))
    return int(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--statuses", type=int, default=20_000)
    parser.add_argument("--follows", type=int, default=20)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-{args.accounts}-{args.statuses}-{args.follows}"
    data_dir.mkdir(exist_ok=True)
    # Marking writes notifications: every run starts from a fresh copy of the dataset.
    target = fresh_database(args.database, data_dir, "important_posts")
    started = time.perf_counter()
    database = build(data_dir / "important.sqlite3", accounts=args.accounts, statuses=args.statuses,
                     follows_each=args.follows, database=target)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s at {data_dir}", file=sys.stderr)
    bulk, single, bulk_made, made = asyncio.run(measure(data_dir, database))
    ratio = bulk / single
    print(f"Marking a company post important for {bulk_made:,} staff (status notifications, pushes, streams):")
    print(f"  bulk (ImportantPosts.mark, batches of 500): {bulk:.2f} s, {bulk_made / bulk:,.0f} notifications/s")
    print(f"  baseline, one transaction per person (Distribution.notify): {single:.2f} s for {made:,}")
    print(f"  bulk / per-person = {ratio:.2f}x (goal <= {GOAL_RATIO}x)")
    print(f"  command: .venv/bin/python bench/important_posts.py --accounts {args.accounts} "
          f"--statuses {args.statuses} --follows {args.follows}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("important post: notify all staff", bulk, "s", "", backend)
    emit("important post: bulk / per-person", ratio, "x", f"<= {GOAL_RATIO}x", backend)


if __name__ == "__main__":
    main()
