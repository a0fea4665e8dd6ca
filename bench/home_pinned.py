"""The home timeline's first page with an important post pinned atop it, against the same page without the pin.

Dataset: bench/dataset.py's (accounts following each other, statuses, home
feeds), built fresh under /tmp (the run marks a post). The company marks a
post important, so every reader's first page
(``GET /api/v1/timelines/home?limit=20``) looks the pin up and prepends it.
Baseline in the same process, interleaved request by request: the same
reader's same page asked with ``max_id`` beyond every id, which reads the
same rows but is not a first page, so no pin is looked up.

Goal: pinned p50 <= 1.1x the baseline's p50.

Run: .venv/bin/python bench/home_pinned.py [--accounts N --statuses N --follows N --requests N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from bench.dataset import build  # noqa: E402
from bench.home_timeline import percentile  # noqa: E402
from server.services.access_tokens import digest_token, new_token  # noqa: E402
from server.services.review_roles import Reviewer  # noqa: E402
from server.services.status_draft import StatusDraft  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.models import AccountKind  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for  # noqa: E402

GOAL_RATIO = 1.1
READERS = 200
BEYOND = str(2**62)


async def measure(data_dir: Path, database: str, requests: int) -> tuple[list[float], list[float]]:
    app = app_for(settings_for(data_dir, INSIDEOUT_STORAGE_DATABASE=database))
    pinned_ms: list[float] = []
    plain_ms: list[float] = []
    async with serving(app) as client:
        state = app.state.insideout
        company = (await state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        post = await state.services.statuses.create(company, StatusDraft(text="Read me first"))
        await state.services.important_posts.mark(Reviewer.cli("bench"), post.id, utcnow() + timedelta(days=1))
        users = [a for a in await state.storage.accounts.list_local() if a.username.startswith("user")]
        tokens = []
        for account in random.Random(1).sample(users, min(READERS, len(users))):
            token = new_token()
            await state.storage.tokens.create_access_token(digest_token(token), account.id, None, ["read"])
            tokens.append({"Authorization": f"Bearer {token}"})
        for n in range(50):
            await client.get("/api/v1/timelines/home?limit=20", headers=tokens[n % len(tokens)])
        for n in range(requests):
            headers = tokens[n % len(tokens)]
            started = time.perf_counter()
            first = await client.get("/api/v1/timelines/home?limit=20", headers=headers)
            pinned_ms.append((time.perf_counter() - started) * 1000)
            assert first.status_code == 200 and first.json()[0]["id"] == str(post.id), first.text[:200]
            started = time.perf_counter()
            plain = await client.get(f"/api/v1/timelines/home?limit=20&max_id={BEYOND}", headers=headers)
            plain_ms.append((time.perf_counter() - started) * 1000)
            assert plain.status_code == 200 and all("important_until" not in s for s in plain.json())
    return pinned_ms, plain_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--statuses", type=int, default=50_000)
    parser.add_argument("--follows", type=int, default=50)
    parser.add_argument("--requests", type=int, default=500)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-{args.accounts}-{args.statuses}-{args.follows}"
    data_dir.mkdir(exist_ok=True)
    target = fresh_database(args.database, data_dir, "home_pinned")
    started = time.perf_counter()
    database = build(data_dir / "home_pinned.sqlite3", accounts=args.accounts, statuses=args.statuses,
                     follows_each=args.follows, database=target)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s at {data_dir}", file=sys.stderr)
    pinned, plain = asyncio.run(measure(data_dir, database, args.requests))
    p50, p99 = statistics.median(pinned), percentile(pinned, 0.99)
    base50, base99 = statistics.median(plain), percentile(plain, 0.99)
    ratio = p50 / base50
    print(f"GET /api/v1/timelines/home?limit=20 with a company post pinned, {args.statuses:,} statuses, "
          f"{args.accounts:,} accounts following {args.follows}, {args.requests} requests each:")
    print(f"  first page (pin looked up and prepended) p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"  baseline, same page not first (max_id beyond every id) p50 {base50:.2f} ms, p99 {base99:.2f} ms")
    print(f"  pinned / baseline = {ratio:.2f}x at p50, {p99 / base99:.2f}x at p99 (goal p50 <= {GOAL_RATIO}x)")
    print(f"  command: .venv/bin/python bench/home_pinned.py --accounts {args.accounts} --statuses {args.statuses} "
          f"--follows {args.follows} --requests {args.requests}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("home first page, pinned p50", p50, "ms", "", backend)
    emit("home pinned / not pinned p50", ratio, "x", f"<= {GOAL_RATIO}x", backend)


if __name__ == "__main__":
    main()
