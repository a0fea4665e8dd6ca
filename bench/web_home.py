"""The staff web app's home page, server-side: GET /home signed in with a browser session, against the API.

Dataset: bench/home_timeline.py's (1,000,000 statuses, 10,000 accounts each
following 200; built once under /tmp and shared with it). Requests go
through the real ASGI app in-process, so the time is the server's own:
the page renders 20 posts as HTML (the API's entities, the compose box,
the navigation's counts). Baseline in the same process, interleaved
request by request: ``GET /api/v1/timelines/home?limit=20`` for the same
readers with a token.

Goal: the page's p50 <= 1.5x the API's p50.

Run: .venv/bin/python bench/web_home.py [--accounts N --statuses N --follows N --requests N] [--database URL-or-path]
     [--profile N]   (cProfile over N page requests, the 25 costliest calls by cumulative time)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import re
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
from server.signin.sessions import session_cookie_name  # noqa: E402
from tests.server.helpers import app_for, serving, settings_for  # noqa: E402

GOAL_RATIO = 1.5
READERS = 200
ARTICLE = re.compile(r'<article class="status[^"]*" id="status-\d+"')


class Readers:
    """Sampled employees, each with a bearer token (for the API) and a browser session (for the page)."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.cookies: list[str] = []

    async def make(self, app: object, accounts: int) -> None:
        state = app.state.insideout  # type: ignore[attr-defined]
        users = [a for a in await state.storage.accounts.list_local() if a.username.startswith("user")][:accounts]
        cookie = session_cookie_name(state.settings)
        for account in random.Random(1).sample(users, min(READERS, len(users))):
            token = new_token()
            await state.storage.tokens.create_access_token(digest_token(token), account.id, None, ["read"])
            self.tokens.append(token)
            self.cookies.append(f"{cookie}={await state.services.web_sessions.start(account.id)}")


async def measure(data_dir: Path, database: str, requests: int, accounts: int,
                  profile: int) -> tuple[list[float], list[float], int]:
    app = app_for(settings_for(data_dir, INSIDEOUT_STORAGE_DATABASE=database))
    page_ms: list[float] = []
    api_ms: list[float] = []
    async with serving(app) as client:
        readers = Readers()
        await readers.make(app, accounts)
        for n in range(50):  # warm the page cache and the template cache
            await client.get("/home", headers={"Cookie": readers.cookies[n % len(readers.cookies)]})
            await client.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {readers.tokens[0]}"})
        size = 0
        for n in range(requests):
            index = n % len(readers.tokens)
            started = time.perf_counter()
            page = await client.get("/home", headers={"Cookie": readers.cookies[index]})
            page_ms.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200 and len(ARTICLE.findall(page.text)) == 20, page.text[:300]
            size = len(page.content)
            started = time.perf_counter()
            api = await client.get("/api/v1/timelines/home?limit=20",
                                   headers={"Authorization": f"Bearer {readers.tokens[index]}"})
            api_ms.append((time.perf_counter() - started) * 1000)
            assert api.status_code == 200 and len(api.json()) == 20, api.text[:200]
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for n in range(profile):
                await client.get("/home", headers={"Cookie": readers.cookies[n % len(readers.cookies)]})
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return page_ms, api_ms, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--statuses", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=200)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.gettempdir()) / f"insideout-bench-{args.accounts}-{args.statuses}-{args.follows}"
    data_dir.mkdir(exist_ok=True)
    target = fresh_database(args.database, data_dir, "web_home") if is_postgresql(args.database) else args.database
    started = time.perf_counter()
    database = build(data_dir / "bench.sqlite3", accounts=args.accounts, statuses=args.statuses,
                     follows_each=args.follows, database=target)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s at {data_dir}", file=sys.stderr)
    page, api, size = asyncio.run(measure(data_dir, database, args.requests, args.accounts, args.profile))
    p50, p99 = statistics.median(page), percentile(page, 0.99)
    api_p50, api_p99 = statistics.median(api), percentile(api, 0.99)
    ratio = p50 / api_p50
    print(f"GET /home (web session, 20 posts, {size:,} bytes of HTML), {args.statuses:,} statuses, "
          f"{args.accounts:,} accounts following {args.follows}, {args.requests} requests each:")
    print(f"  page server-side p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"  baseline GET /api/v1/timelines/home?limit=20 p50 {api_p50:.2f} ms, p99 {api_p99:.2f} ms")
    print(f"  page / API = {ratio:.2f}x at p50, {p99 / api_p99:.2f}x at p99 (goal p50 <= {GOAL_RATIO}x)")
    print(f"  command: .venv/bin/python bench/web_home.py --accounts {args.accounts} --statuses {args.statuses} "
          f"--follows {args.follows} --requests {args.requests}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("web /home p50", p50, "ms", "", backend)
    emit("web /home p99", p99, "ms", "", backend)
    emit("web /home / API home p50", ratio, "x", f"<= {GOAL_RATIO}x", backend)


if __name__ == "__main__":
    main()
