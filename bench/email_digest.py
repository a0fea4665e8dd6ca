"""The weekly digest for 10,000 staff: choose each person's most engaged posts, render and queue the mails.

Dataset (built in bulk, once per run): N employees with the digest on, in
20 departments (each follows their department), each following 30 others;
5,000 posts of the last three days, a third addressed to a department, with
20,000 favourites and 2,000 replies. The figure is the wall time of the
whole run as the worker does it (``DigestBuilder`` batch after batch until
the run is finished): the candidates, each batch's circles, the choice, the
jinja2 rendering and the outbox writes. Baseline in the same process:
queueing the same number of ready-made mails (the outbox writes alone).

Goal: the 10,000-person digest within 60 s (it runs once a week, in batches, under a lease).

Run: .venv/bin/python bench/email_digest.py [--staff N] [--posts N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import add_database_option, backend_of, emit, fresh_database, is_postgresql  # noqa: E402
from bench.dataset import KEY, Rows, _migrate, _PostgresRows  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.services.mail.compose import MailWriter  # noqa: E402
from server.services.mail.digest import DigestBuilder  # noqa: E402
from server.services.mail.unsubscribe import MailLinks  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.clock import to_db, utcnow  # noqa: E402
from storage.ids import SEQUENCE_BITS  # noqa: E402
from storage.mail import DigestRun, MailKind, NewMail  # noqa: E402

GOAL_SECONDS = 60.0
DEPARTMENTS = 20
FOLLOWS = 30


def fill(db: Rows, staff: int, posts: int, rng: random.Random) -> None:
    now = utcnow()
    base = int(time.time() * 1000 - 30 * 86_400_000) << SEQUENCE_BITS
    people = [base + i for i in range(staff)]
    departments = [base + staff + i for i in range(DEPARTMENTS)]
    created = "2025-01-01T00:00:00.000000Z"
    db.executemany(
        "INSERT INTO accounts (id, kind, username, display_name, public_key_pem, private_key_pem, created_at,"
        f" updated_at) VALUES (?, ?, ?, ?, ?, 'bench', '{created}', '{created}')",
        [(i, "employee", f"user{n}", f"User {n}", KEY) for n, i in enumerate(people)]
        + [(i, "department", f"dept{n}", f"Department {n}", KEY) for n, i in enumerate(departments)],
    )
    db.executemany(
        f"INSERT INTO users (account_id, email, password_hash, role, created_at) VALUES (?, ?, 'x', 'staff', '{created}')",
        [(i, f"user{n}@bench.example") for n, i in enumerate(people)],
    )
    db.executemany(f"INSERT INTO department_members (department_id, account_id, role, created_at)"
                   f" VALUES (?, ?, 'member', '{created}')",
                   [(departments[n % DEPARTMENTS], i) for n, i in enumerate(people)])
    pairs = []
    for n, person in enumerate(people):
        pairs.append((person, departments[n % DEPARTMENTS]))
        pairs.extend((person, t) for t in rng.sample(people, FOLLOWS + 1)[:FOLLOWS + 1] if t != person)
    follows = [(n + 1, a, t) for n, (a, t) in enumerate(dict.fromkeys(pairs))]
    db.executemany(f"INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
                   f" VALUES (?, ?, ?, 'accepted', '{created}')", follows)
    db.executemany(f"INSERT INTO mail_preferences (account_id, kind, enabled, updated_at) VALUES (?, 'digest', 1, '{created}')",
                   [(i,) for i in people])
    start = int((now - timedelta(days=3)).timestamp() * 1000)
    statuses = [((start + n * 40_000) << SEQUENCE_BITS, rng.choice(people)) for n in range(posts)]
    moment = to_db(now - timedelta(days=1))
    db.executemany(
        "INSERT INTO statuses (id, account_id, local, thread_id, text, content, visibility, created_at)"
        f" VALUES (?, ?, 1, ?, ?, ?, 'public', '{moment}')",
        [(s, a, s, f"post {n} about the quarter", f"<p>post {n} about the quarter</p>")
         for n, (s, a) in enumerate(statuses)],
    )
    db.executemany("INSERT INTO status_mentions (status_id, account_id) VALUES (?, ?)",
                   [(s, departments[n % DEPARTMENTS]) for n, (s, _) in enumerate(statuses) if n % 3 == 0])
    favourites = {(rng.choice(people), rng.choice(statuses)[0]) for _ in range(posts * 4)}
    db.executemany(f"INSERT INTO favourites (id, account_id, status_id, created_at) VALUES (?, ?, ?, '{moment}')",
                   [(n + 1, a, s) for n, (a, s) in enumerate(favourites)])
    replies = [(base + staff + DEPARTMENTS + n, rng.choice(people), rng.choice(statuses)[0]) for n in range(posts // 2)]
    db.executemany(
        "INSERT INTO statuses (id, account_id, local, thread_id, in_reply_to_id, text, content, visibility, created_at)"
        f" VALUES (?, ?, 1, ?, ?, 'reply', '<p>reply</p>', 'public', '{moment}')",
        [(r, a, s, s) for r, a, s in replies],
    )


def build(database: str, staff: int, posts: int) -> None:
    asyncio.run(_migrate(database))
    rng = random.Random(11)
    if is_postgresql(database):
        import psycopg

        with psycopg.connect(database) as connection:
            fill(_PostgresRows(connection), staff, posts, rng)
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
        return
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA synchronous = OFF")
        fill(db, staff, posts, rng)


async def measure(database: str, data_dir: Path) -> tuple[float, int, float, int]:
    settings = load_settings(None, {"INSIDEOUT_STORAGE_DATABASE": database, "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir)})
    storage = open_storage(database)
    await storage.open()
    try:
        links = MailLinks(storage, settings.base_url)
        builder = DigestBuilder(storage, MailWriter(settings.base_url, "Bench Corp"), links)
        now = utcnow()
        started = time.perf_counter()
        run = DigestRun("bench", now, 0, 0, None)
        looked = queued = 0
        while True:
            people, added, last, finished = await builder.batch(run, now)
            looked, queued = looked + people, queued + added
            run = DigestRun("bench", now, last, run.queued + added, None)
            if finished:
                break
        digest_seconds = time.perf_counter() - started
        written = await storage.mail.for_account(run.after_account_id)
        sample: Any = written[-1] if written else None
        people = await storage.mail.digest_recipients(0, queued, True)
        mails = [NewMail(p.account_id, p.address, MailKind.DIGEST, "s", sample.body_text if sample else "t",
                         sample.body_html if sample else "h", "https://bench.example/u", now,
                         dedupe_key=f"base:{p.account_id}") for p in people]
        started = time.perf_counter()
        for start in range(0, len(mails), 200):
            await storage.mail.enqueue(mails[start:start + 200], now)
        baseline_seconds = time.perf_counter() - started
    finally:
        await storage.close()
    return digest_seconds, queued, baseline_seconds, looked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=5_000)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="insideout-bench-digest-"))
    database = fresh_database(args.database, data_dir, "email_digest")
    started = time.perf_counter()
    build(database, args.staff, args.posts)
    print(f"dataset ready in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    seconds, queued, baseline, looked = asyncio.run(measure(database, data_dir))
    print(f"weekly digest for {looked:,} staff ({args.posts:,} posts of the week, {queued:,} mails queued):")
    print(f"  build and queue: {seconds:.1f} s ({looked / seconds:,.0f} people/s) (goal <= {GOAL_SECONDS:.0f} s)")
    print(f"  baseline, queueing {queued:,} ready-made mails: {baseline:.1f} s; digest / baseline = "
          f"{seconds / baseline:.1f}x")
    print(f"  command: .venv/bin/python bench/email_digest.py --staff {args.staff} --posts {args.posts}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit(f"weekly digest, {looked:,} staff", seconds, "s", f"<= {GOAL_SECONDS:.0f} s", backend)
    emit("weekly digest / queueing alone", seconds / baseline, "x", "", backend)


if __name__ == "__main__":
    main()
