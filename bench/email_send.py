"""Mails sent per second by the ``mail`` queue to a loopback SMTP server (aiosmtpd).

Dataset: N employees, one queued mail each (a rendered mention mail: text
and HTML parts, the unsubscribe headers). The figure: mails per second
while ``MailWorker.run_once()`` drains the outbox (claim a batch under a
lease, check each person is still active and wants the kind, one SMTP
connection per batch, record the outcomes). Baseline in the same process:
the same number of the same messages sent with plain ``smtplib`` over one
connection, no queue at all.

Goal: >= 100 mails/s (an all-staff important post to 10,000 people goes out within two minutes).

Run: .venv/bin/python bench/email_send.py [--mails N] [--batch N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import add_database_option, backend_of, emit, fresh_database, is_postgresql  # noqa: E402
from bench.dataset import KEY, Rows, _migrate, _PostgresRows  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.services.mail.compose import MailWriter  # noqa: E402
from server.services.mail.message import build_message  # noqa: E402
from server.services.mail.presence import Presence  # noqa: E402
from server.services.mail.worker import MailWorker, Sender  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from storage.ids import SEQUENCE_BITS  # noqa: E402
from storage.mail import MailKind, NewMail  # noqa: E402
from storage.models import Account, AccountKind, PublicationState, Status, Visibility  # noqa: E402
from tests.server.api.live import free_port  # noqa: E402

GOAL = 100.0


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.count += 1
        return "250 OK"


def people(db: Rows, count: int) -> list[int]:
    base = int(time.time() * 1000 - 30 * 86_400_000) << SEQUENCE_BITS
    ids = [base + i for i in range(count)]
    created = "2025-01-01T00:00:00.000000Z"
    db.executemany("INSERT INTO accounts (id, kind, username, display_name, public_key_pem, private_key_pem,"
                   f" created_at, updated_at) VALUES (?, 'employee', ?, ?, ?, 'bench', '{created}', '{created}')",
                   [(i, f"user{n}", f"User {n}", KEY) for n, i in enumerate(ids)])
    db.executemany(f"INSERT INTO users (account_id, email, password_hash, role, created_at)"
                   f" VALUES (?, ?, 'x', 'staff', '{created}')", [(i, f"user{n}@bench.example") for n, i in enumerate(ids)])
    return ids


def build(database: str, count: int) -> list[int]:
    asyncio.run(_migrate(database))
    if is_postgresql(database):
        import psycopg

        with psycopg.connect(database) as connection:
            return people(_PostgresRows(connection), count)
    with sqlite3.connect(database) as db:
        return people(db, count)


def sample_mail(writer: MailWriter) -> tuple[str, str, str]:
    now = utcnow()
    author = Account(1, AccountKind.EMPLOYEE, "alice", None, "Alice Example", "", "", False, now, now, KEY)
    status = Status(2, 1, True, None, None, None, None, None, None, 2, "@you the quarter",
                    "<p>@you the quarter is closed: numbers on the intranet.</p>", "", False, None, Visibility.PUBLIC,
                    None, PublicationState.INTERNAL, 0, None, None, now, None, None)
    written = writer.mention(writer.post(status, author), direct=False, unsubscribe_url="https://bench.example/u")
    return written.subject, written.text, written.html


async def measure(database: str, data_dir: Path, ids: list[int], port: int, batch: int) -> tuple[float, float]:
    env = {"INSIDEOUT_STORAGE_DATABASE": database, "INSIDEOUT_STORAGE_DATA_DIR": str(data_dir),
           "INSIDEOUT_EMAIL_SMTP_HOST": "127.0.0.1", "INSIDEOUT_EMAIL_SMTP_PORT": str(port),
           "INSIDEOUT_EMAIL_SMTP_SECURITY": "none", "INSIDEOUT_EMAIL_FROM_ADDRESS": "news@bench.example"}
    settings = load_settings(None, env)
    assert settings.email is not None
    writer = MailWriter(settings.base_url, "Bench Corp")
    subject, text, html = sample_mail(writer)
    storage = open_storage(database)
    await storage.open()
    try:
        now = utcnow()
        mails = [NewMail(i, f"{i}@bench.example", MailKind.IMPORTANT, subject, text, html,
                         "https://bench.example/u", now) for i in ids]
        for start in range(0, len(mails), 500):
            await storage.mail.enqueue(mails[start:start + 500], now)
        worker = MailWorker(storage, settings.email, Sender("news@bench.example", "Bench Corp", settings.base_url),
                            Presence(storage), writer, batch=batch)
        started = time.perf_counter()
        while await worker.run_once():
            pass
        queue_seconds = time.perf_counter() - started
    finally:
        await storage.close()
    messages = [build_message(sender="news@bench.example", sender_name="Bench Corp", to=f"{i}@bench.example",
                              subject=subject, text=text, html=html, unsubscribe_url="https://bench.example/u",
                              base_url=settings.base_url, at=now) for i in ids]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for message in messages:
            client.send_message(message)
    raw_seconds = time.perf_counter() - started
    return len(ids) / queue_seconds, len(ids) / raw_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=50)
    add_database_option(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="insideout-bench-send-"))
    database = fresh_database(args.database, data_dir, "email_send")
    ids = build(database, args.mails)
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        queued_rate, raw_rate = asyncio.run(measure(database, data_dir, ids, port, args.batch))
    finally:
        controller.stop()
    assert counter.count == 2 * args.mails, counter.count
    print(f"{args.mails:,} mails to a loopback SMTP server (aiosmtpd), batches of {args.batch}:")
    print(f"  the mail queue: {queued_rate:,.0f} mails/s (goal >= {GOAL:.0f}/s)")
    print(f"  baseline, plain smtplib over one connection: {raw_rate:,.0f} mails/s; queue / plain = "
          f"{queued_rate / raw_rate:.2f}x")
    print(f"  command: .venv/bin/python bench/email_send.py --mails {args.mails} --batch {args.batch}"
          + (f" --database {args.database}" if args.database else ""))
    backend = backend_of(args.database)
    emit("mail queue to loopback SMTP", queued_rate, "mails/s", f">= {GOAL:.0f}/s", backend)
    emit("mail queue / plain smtplib", queued_rate / raw_rate, "x", "", backend)


if __name__ == "__main__":
    main()
