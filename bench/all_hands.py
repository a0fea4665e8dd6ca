"""All-hands fan-out: a post by an account with 10,000 followers, until it is in every follower's home timeline.

Distribution happens inside the POST (an account this large is a
"broadcast" account: its posts are merged into home timelines at read
time), so the figure is the time from sending POST /api/v1/statuses until
a follower's home timeline read returns the post. After timing, every one
of the 10,000 followers' home timelines is read to check the post is at
the top of each. Baseline in the same process: the same POST by an
account nobody follows.

Run: .venv/bin/python bench/all_hands.py [--followers N --runs N] [--database URL-or-path]
(a PostgreSQL URL: the dataset goes into a new database beside it, ``<name>_allhands``).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
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

FOLLOW_ALL = (
    "INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
    " SELECT 10000000 + a.id % 10000000, a.id, {ceo}, 'accepted', '2025-01-01T00:00:00.000000Z'"
    " FROM accounts a WHERE a.kind = 'employee' AND a.id <> {ceo} ORDER BY a.id LIMIT {limit}"
    " ON CONFLICT DO NOTHING"
)
CEO = "SELECT id FROM accounts WHERE username = 'user0'"


def make_all_hands(database: str, followers: int) -> None:
    """Everyone follows user0 (the CEO, say)."""
    if is_postgresql(database):
        import psycopg

        with psycopg.connect(database) as connection:
            row = connection.execute(CEO).fetchone()
            assert row is not None
            connection.execute(FOLLOW_ALL.format(ceo=int(row[0]), limit=int(followers)).encode())
        return
    with sqlite3.connect(database) as db:
        ceo = db.execute(CEO).fetchone()[0]
        db.execute(FOLLOW_ALL.format(ceo=int(ceo), limit=int(followers)))


async def measure(data_dir: Path, database: str, runs: int) -> tuple[list[float], list[float], int]:
    settings = settings_for(data_dir, INSIDEOUT_STORAGE_DATABASE=database)
    app = app_for(settings)
    fanned: list[float] = []
    alone: list[float] = []
    async with serving(app) as client:
        storage = app.state.insideout.storage
        ceo = await storage.accounts.get_local("user0")
        loner = await app.state.insideout.services.accounts.create_employee(
            f"loner{int(time.time())}", f"loner{time.time()}@bench.example", "long enough password")
        assert ceo is not None
        headers = {}
        for account_id in (ceo.id, loner.account.id):
            token = new_token()
            await storage.tokens.create_access_token(digest_token(token), account_id, None, ["read", "write"])
            headers[account_id] = {"Authorization": f"Bearer {token}"}
        follower_ids = list(await storage.follows.local_follower_ids(ceo.id))
        followers = len(follower_ids)
        for run in range(runs):
            for account_id, samples in ((ceo.id, fanned), (loner.account.id, alone)):
                started = time.perf_counter()
                response = await client.post("/api/v1/statuses", headers=headers[account_id],
                                             data={"status": f"All hands at 3pm ({run})"})
                status_id = int(response.json()["id"])
                first_reader = follower_ids[0] if account_id == ceo.id else account_id
                assert (await storage.timelines.home(first_reader, Page(limit=1)))[0] == status_id
                samples.append((time.perf_counter() - started) * 1000)
                if account_id == ceo.id:
                    missing = [f for f in follower_ids if (await storage.timelines.home(f, Page(limit=1)))[:1]
                               != [status_id]]
                    assert not missing, f"{len(missing)} followers do not see the post"
    return fanned, alone, followers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--statuses", type=int, default=20_000)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-allhands-{args.followers}-{args.statuses}"
    data_dir.mkdir(exist_ok=True)
    target = fresh_database(args.database, data_dir, "allhands") if is_postgresql(args.database) else args.database
    database = build(data_dir / "bench.sqlite3", accounts=args.followers + 1, statuses=args.statuses, follows_each=20,
                     database=target)
    make_all_hands(database, args.followers)
    fanned, alone, followers = asyncio.run(measure(data_dir, database, args.runs))
    p50 = statistics.median(fanned)
    print(f"all-hands post to {followers:,} followers, visible in every home timeline after:")
    print(f"  median {p50:.0f} ms, worst {max(fanned):.0f} ms over {args.runs} posts (goal <= 1000 ms)")
    print(f"  baseline (same post, no followers) median {statistics.median(alone):.1f} ms;"
          f" ratio {p50 / statistics.median(alone):.1f}x")
    print(f"  command: .venv/bin/python bench/all_hands.py --followers {args.followers} --runs {args.runs}")
    emit(f"all-hands fan-out to {followers:,}, median", p50, "ms", "<= 1000 ms", backend_of(args.database))


if __name__ == "__main__":
    main()
