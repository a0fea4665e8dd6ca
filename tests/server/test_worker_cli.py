"""`insideout worker`: queues chosen on the command line, run in their own process, stopped by SIGTERM.

The process tests run the real CLI against a SQLite database and a real HTTP inbox on loopback;
the delivery they watch is queued beforehand through the storage API, as the server would queue it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest

from federation.delivery import DeliveryWorker
from federation.inbox import InboxWorker
from server.background import QUEUES, UnknownQueue, default_workers, workers_for
from server.cli import build_parser, main
from server.cli.worker import parse_queues
from server.config import Settings
from server.services.cards import CardWorker
from server.services.mail.digest import DigestWorker
from server.services.mail.worker import MailWorker
from server.services.media_removals import MediaDeletionWorker
from server.services.polls import PollExpiryWorker
from server.services.push import PushWorker
from server.services.remote_cache_cleanup import RemoteCacheCleanup
from server.services.remote_media import RemoteMediaWorker
from server.services.review_worker import ScheduledPublicationWorker
from server.services.scheduled import ScheduledStatusWorker
from storage import open_storage
from storage.clock import utcnow
from storage.deliveries import Delivery, DeliveryState, NewDelivery
from storage.models import AccountKind
from tests.server.helpers import app_for, serving, settings_for
from tests.server.test_serve import free_port, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://insideout.test"
WAIT = 30.0  # seconds; an upper bound for one process step, never an expectation


# ---------------------------------------------------------------------------
# Parsing and the queue → workers mapping
# ---------------------------------------------------------------------------


def test_queues_default_to_all_of_them() -> None:
    args = build_parser().parse_args(["worker"])
    assert parse_queues(args.queues) == ["delivery", "inbox", "media", "scheduled", "push", "mail"] == list(QUEUES)


def test_queues_are_a_comma_separated_list() -> None:
    args = build_parser().parse_args(["worker", "--queues", "inbox, delivery,inbox"])
    assert parse_queues(args.queues) == ["inbox", "delivery"]


@pytest.mark.parametrize("text", ["bogus", "delivery,bogus", "", " , "])
def test_unknown_or_missing_queues_are_refused(text: str) -> None:
    with pytest.raises(UnknownQueue, match="known queues: delivery, inbox, media, scheduled, push, mail"):
        parse_queues(text)


def test_help_describes_the_command_and_every_queue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["worker", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--queues" in text and "without HTTP" in text and "SIGTERM" in text
    for queue in QUEUES:
        assert queue in text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "worker" in capsys.readouterr().out


EXPECTED = {
    "delivery": [DeliveryWorker],
    "inbox": [InboxWorker],
    "media": [RemoteMediaWorker, CardWorker, MediaDeletionWorker, RemoteCacheCleanup],
    "scheduled": [ScheduledStatusWorker, ScheduledPublicationWorker, PollExpiryWorker],
    "push": [PushWorker],
    "mail": [],  # no [email] section: nothing is ever queued, so no worker
}


@pytest.mark.anyio
async def test_each_queue_builds_its_workers(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    assert set(EXPECTED) == set(QUEUES)
    for queue, kinds in EXPECTED.items():
        assert [type(worker) for worker in workers_for(app, [queue])] == kinds, queue
    everything = [kind for kinds in EXPECTED.values() for kind in kinds]
    assert [type(worker) for worker in default_workers(app)] == everything
    with pytest.raises(UnknownQueue):
        workers_for(app, ["delivery", "bogus"])


@pytest.mark.anyio
async def test_with_an_email_section_the_mail_queue_sends_and_runs_the_digest(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_EMAIL_SMTP_HOST="127.0.0.1",
                               INSIDEOUT_EMAIL_FROM_ADDRESS="news@example.com"))
    assert [type(worker) for worker in workers_for(app, ["mail"])] == [MailWorker, DigestWorker]


@pytest.mark.anyio
async def test_an_app_with_workers_disabled_starts_none(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What `serve --no-workers` sets: the default workers are not even built."""
    from server.app import create_app
    from server.http_client import outbound_client

    settings = settings_for(tmp_path, INSIDEOUT_SERVER_WORKERS_ENABLED="false")
    app = create_app(settings, open_storage(settings.storage.database), outbound_client(settings))
    with caplog.at_level(logging.INFO, logger="server.app"):
        async with serving(app) as client:
            assert (await client.get("/health")).status_code == 200
    (ready,) = [record for record in caplog.records if record.getMessage() == "ready"]
    assert ready.workers == 0


# ---------------------------------------------------------------------------
# Real processes
# ---------------------------------------------------------------------------


@dataclass
class Inbox:
    """A remote server's inbox on loopback: records every POST and answers 202."""

    port: int
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/users/bob/inbox"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    record = Inbox(server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            record.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            record.arrived.set()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, name="test-inbox", daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        "INSIDEOUT_SERVER_BASE_URL": BASE_URL,
        "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "INSIDEOUT_STORAGE_DATABASE": str(tmp_path / "data" / "insideout.sqlite3"),
        "INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
    }


def queue_a_follow(settings: Settings, inbox_url: str) -> tuple[str, bytes]:
    """Prepare the instance as `serve` would and queue one Follow from the company to ``inbox_url``."""
    company = f"{BASE_URL}/users/company"
    activity_uri = f"{company}#follows/1"
    payload = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activity_uri,
        "type": "Follow",
        "actor": company,
        "object": inbox_url.removesuffix("/inbox"),
    }).encode()

    async def queue() -> None:
        app = app_for(settings)
        async with serving(app):
            storage = app.state.insideout.storage
            (account,) = await storage.accounts.list_local(AccountKind.COMPANY)
            delivery = NewDelivery(activity_uri, None, account.id, inbox_url, "127.0.0.1", payload)
            assert await storage.deliveries.enqueue([delivery], utcnow()) == 1

    anyio.run(queue)
    return activity_uri, payload


def delivery_row(settings: Settings, activity_uri: str) -> Delivery:
    async def read() -> Delivery:
        storage = open_storage(settings.storage.database)
        await storage.open()
        try:
            (row,) = await storage.deliveries.for_activity(activity_uri)
            return row
        finally:
            await storage.close()

    return anyio.run(read)


def start(tmp_path: Path, *command: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    env.update(environment(tmp_path))
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", *command],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_delivery(process: subprocess.Popen[str], inbox: Inbox) -> None:
    deadline = time.monotonic() + WAIT
    while not inbox.arrived.wait(0.1):
        if process.poll() is not None:
            raise AssertionError(f"worker exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"nothing was delivered in {WAIT} s")


def test_unknown_queue_stops_the_process_with_one_line(tmp_path: Path) -> None:
    process = start(tmp_path, "worker", "--queues", "delivery,bogus")
    _, err = process.communicate(timeout=WAIT)
    assert process.returncode == 2
    assert err.strip() == (
        "insideout: error: unknown queue 'bogus'; known queues: delivery, inbox, media, scheduled, push, mail"
    )
    assert not (tmp_path / "data" / "insideout.sqlite3").exists(), "refused before touching the database"


def test_worker_process_delivers_and_exits_cleanly_on_sigterm(tmp_path: Path, inbox: Inbox) -> None:
    settings = settings_for(tmp_path, **environment(tmp_path))
    activity_uri, payload = queue_a_follow(settings, inbox.url)

    process = start(tmp_path, "worker")  # every queue
    try:
        wait_for_delivery(process, inbox)
    finally:
        code, _, err = stop(process)

    assert code == 0, err
    assert "Traceback" not in err
    assert "worker starting queues=delivery,inbox,media,scheduled,push" in err
    assert "stopping after the current items signal=SIGTERM" in err and "worker stopped" in err
    ((path, headers, body),) = inbox.received
    assert path == "/users/bob/inbox" and body == payload
    assert f'keyId="{BASE_URL}/users/company#main-key"' in headers["signature"]
    assert delivery_row(settings, activity_uri).state is DeliveryState.DONE


def test_serve_without_workers_leaves_the_delivery_to_a_worker(tmp_path: Path, inbox: Inbox) -> None:
    settings = settings_for(tmp_path, **environment(tmp_path))
    activity_uri, payload = queue_a_follow(settings, inbox.url)

    port = free_port()
    server = start(tmp_path, "serve", "--no-workers", "--port", str(port))
    try:
        assert wait_healthy(server, port).text == "OK"
        # The delivery worker would claim the due row as soon as it started, before /health
        # answered; this pause only widens the window in which a stray worker would show.
        time.sleep(1.0)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).text == "OK"
    finally:
        code, _, err = stop(server)
    assert code == 0, err
    assert "workers=0" in err
    assert inbox.received == []
    row = delivery_row(settings, activity_uri)
    assert row.state is DeliveryState.PENDING and row.attempts == 0

    worker = start(tmp_path, "worker", "--queues", "delivery")
    try:
        wait_for_delivery(worker, inbox)
    finally:
        code, _, err = stop(worker)
    assert code == 0, err
    assert "worker starting queues=delivery" in err and "workers=1" in err
    assert [body for _, _, body in inbox.received] == [payload]
    assert delivery_row(settings, activity_uri).state is DeliveryState.DONE
