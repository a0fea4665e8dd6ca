"""Fault tolerance of the scale-out setup: killed workers, a partner down for an hour, a server killed mid-post.

* Delivery workers are real ``insideout worker`` processes sending to loopback inboxes; two are
  SIGKILLed along the way. Every activity still arrives at least once and every row ends done.
* A partner that is down for a simulated hour gets everything once it is back; the rows show the
  backoff and the host's health opens its circuit, then recovers.
* A real ``insideout serve`` process is SIGKILLed while clients post: afterwards every stored
  status has its whole fan-out (home feeds, mention notifications, deliveries when published).

Runs on both backends (TEST_STORAGE_BACKEND). Waits have generous upper bounds and nothing asserts
how long anything took.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest

from federation.backoff import HostHealthPolicy, RetryPolicy
from server.config import Settings
from storage import open_storage
from storage.clock import utcnow
from storage.deliveries import Delivery, DeliveryState, DomainHealth, NewDelivery
from storage.inbound import RemoteProfile
from storage.models import AccountKind, FollowState, Page, PublicationState, Status, StatusFilter, Visibility
from storage.protocols import Storage
from tests.backends import fresh_database
from tests.federation.delivery_helpers import (
    T0,
    FakeClock,
    Published,
    client_for,
    inboxes_for_actors,
    local_actor,
    worker_for,
)
from tests.integration.loopback_inboxes import LoopbackInboxes
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token
from tests.server.test_serve import free_port

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://insideout.test"
WAIT = 180.0  # seconds: an upper bound for a whole phase, never an expectation
# The rows a killed worker held come back after this ([federation] delivery_lease_seconds; default 300).
LEASE_SECONDS = 3


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------


@dataclass
class Process:
    """A real ``insideout`` process, its output in files (a pipe nobody reads would stall it)."""

    name: str
    popen: subprocess.Popen[bytes]
    out: IO[bytes]
    log_path: Path

    def tail(self) -> str:
        self.out.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL: no clean-up, no finishing the current batch, leases left held."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.out.close()


def environment(tmp_path: Path, database: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    env.update({
        "INSIDEOUT_SERVER_BASE_URL": BASE_URL,
        "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "INSIDEOUT_STORAGE_DATABASE": database,
        "INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
        "PYTHONPATH": str(REPO),
        **extra,
    })
    return env


def launch(tmp_path: Path, name: str, env: dict[str, str], *command: str) -> Process:
    log_path = tmp_path / f"{name}.log"
    out = log_path.open("wb")
    popen = subprocess.Popen([sys.executable, "-m", "server.cli", *command], cwd=tmp_path, env=env,
                             stdout=out, stderr=subprocess.STDOUT)
    return Process(name, popen, out, log_path)


async def wait_until(what: str, done: Callable[[], bool], *alive: Process) -> None:
    """Await (so the loopback servers keep serving) until ``done``; fail early if a process died."""
    deadline = time.monotonic() + WAIT
    while not done():
        for process in alive:
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.name} exited early ({process.popen.returncode}):\n{process.tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {WAIT} s")
        await asyncio.sleep(0.05)


@pytest.fixture
async def processes() -> AsyncIterator[list[Process]]:
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in started:
            process.stop()


@pytest.fixture
async def opened(tmp_path: Path) -> AsyncIterator[Callable[[str], Storage]]:
    """Storages the test opens itself (to enqueue, to watch, to check), closed at the end."""
    stores: list[Storage] = []

    def open_one(database: str) -> Storage:
        store = open_storage(database)
        stores.append(store)
        return store

    try:
        yield open_one
    finally:
        for store in stores:
            await store.close()


# ---------------------------------------------------------------------------
# 1. Delivery workers killed mid-run
# ---------------------------------------------------------------------------

ACTIVITIES = 10_000
HOSTS = 4
INBOXES_PER_HOST = 25


def follow_activity(actor_uri: str, number: int, inbox_url: str) -> tuple[str, bytes]:
    activity_uri = f"{actor_uri}#fault-tolerance/{number}"
    return activity_uri, json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activity_uri,
        "type": "Follow",
        "actor": actor_uri,
        "object": inbox_url.removesuffix("/inbox"),
    }).encode()


async def queue_deliveries(settings: Settings, ports: Sequence[int]) -> set[str]:
    """Prepare the instance as `serve` would, then queue every activity from the company account."""
    app = app_for(settings)
    async with serving(app):
        storage = app.state.insideout.storage
        (company,) = await storage.accounts.list_local(AccountKind.COMPANY)
        actor_uri = f"{BASE_URL}/users/{company.username}"
        rows = []
        for number in range(ACTIVITIES):
            port = ports[number % len(ports)]
            inbox = f"http://127.0.0.1:{port}/users/u{number // len(ports) % INBOXES_PER_HOST}/inbox"
            activity_uri, payload = follow_activity(actor_uri, number, inbox)
            rows.append(NewDelivery(activity_uri, None, company.id, inbox, f"127.0.0.1:{port}", payload))
        for start in range(0, len(rows), 1000):
            assert await storage.deliveries.enqueue(rows[start:start + 1000], utcnow()) == len(rows[start:start + 1000])
        return {row.activity_uri for row in rows}


async def states(storage: Storage) -> dict[str, int]:
    totals: dict[str, int] = {}
    for counts in await storage.deliveries.counts_by_host(limit=1000):
        for state in DeliveryState:
            totals[state.value] = totals.get(state.value, 0) + getattr(counts, state.value)
    return totals


async def test_killed_delivery_workers_lose_nothing(
    tmp_path: Path, processes: list[Process], opened: Callable[[str], Storage]
) -> None:
    started = time.monotonic()
    inboxes = LoopbackInboxes()
    ports = await inboxes.start(HOSTS)
    try:
        database = fresh_database(tmp_path)
        settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, INSIDEOUT_STORAGE_DATABASE=database)
        queued = await queue_deliveries(settings, ports)
        watch = opened(database)
        await watch.open()
        env = environment(tmp_path, database, INSIDEOUT_FEDERATION_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
                          INSIDEOUT_LOGGING_LEVEL="warning")

        # Given two workers on the delivery queue
        first = launch(tmp_path, "worker-1", env, "worker", "--queues", "delivery")
        second = launch(tmp_path, "worker-2", env, "worker", "--queues", "delivery")
        processes.extend([first, second])
        # When the first is killed a third of the way through, holding whatever it had claimed
        await wait_until("3,000 deliveries", lambda: len(inboxes.received) >= 3_000, first, second)
        first.kill()
        killed_first_at = len(inboxes.received)
        # And a fresh worker joins, and then the second original one is killed too
        third = launch(tmp_path, "worker-3", env, "worker", "--queues", "delivery")
        processes.append(third)
        await wait_until("6,500 deliveries", lambda: len(inboxes.received) >= 6_500, second, third)
        second.kill()
        killed_second_at = len(inboxes.received)
        assert first.popen.returncode == second.popen.returncode == -signal.SIGKILL

        # Then the survivor finishes everything, the killed workers' rows once their leases ran out
        finished: dict[str, int] = {}

        async def all_done() -> bool:
            finished.update(await states(watch))
            return finished.get("done", 0) == ACTIVITIES

        deadline = time.monotonic() + WAIT
        while not await all_done():
            assert third.popen.poll() is None, third.tail()
            assert time.monotonic() < deadline, f"not finished after {WAIT} s: {finished}"
            await asyncio.sleep(0.2)

        # Every activity arrived at least once; none was lost; every row is done
        assert inboxes.problems == []
        assert inboxes.distinct() == queued
        assert finished == {"pending": 0, "done": ACTIVITIES, "failed": 0, "gone": 0, "expired": 0}
        duplicates = inboxes.duplicates()
        report = (f"{ACTIVITIES} activities, {len(inboxes.received)} requests, {duplicates} duplicates;"
                  f" first worker killed at {killed_first_at}, second at {killed_second_at};"
                  f" {time.monotonic() - started:.1f} s")
        print(report)
    finally:
        await inboxes.close()


# ---------------------------------------------------------------------------
# 2. A partner down for an hour
# ---------------------------------------------------------------------------

PARTNER = "partner.example"
DOWN_FOR = timedelta(hours=1)


@dataclass
class Snapshot:
    at: datetime
    rows: dict[int, Delivery]
    health: DomainHealth | None


@dataclass
class Partner:
    """Down (503s and refused connections, in turn) until told it is back."""

    down: bool = True
    refusals: int = 0
    received_ids: list[str] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.refusals += 1
            if self.refusals % 2:
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(503, text="maintenance")
        self.received_ids.append(json.loads(request.content)["id"])
        return httpx.Response(202)


async def test_a_partner_down_for_an_hour_gets_everything_when_back(
    tmp_path: Path, opened: Callable[[str], Storage]
) -> None:
    storage = opened(fresh_database(tmp_path, "deliveries.sqlite3"))
    await storage.open()
    await storage.migrate()
    author = await local_actor(storage, "newsroom", kind=AccountKind.DEPARTMENT)
    partner = Partner()
    inboxes = inboxes_for_actors(author)
    inboxes.answer = partner.answer
    clock = FakeClock()
    # The worker's own policies are these defaults, with seeded jitter.
    retry, hosts = RetryPolicy(), HostHealthPolicy()
    worker = worker_for(storage, client_for(inboxes), Published(), clock, seed=11)
    actor_uri = f"https://insideout.example/users/{author.username}"
    queued = []
    for number in range(12):
        inbox = f"https://{PARTNER}/users/u{number % 3}/inbox"
        activity_uri, payload = follow_activity(actor_uri, number, inbox)
        queued.append(NewDelivery(activity_uri, None, author.id, inbox, PARTNER, payload))
    assert await storage.deliveries.enqueue(queued, clock.now) == len(queued)
    uris = {row.activity_uri for row in queued}

    async def snapshot() -> Snapshot:
        rows = {row.id: row for uri in uris for row in await storage.deliveries.for_activity(uri)}
        return Snapshot(clock.now, rows, (await storage.deliveries.domains([PARTNER])).get(PARTNER))

    # While the partner is down for an hour, the worker keeps trying (every simulated 30 s)
    history = [await snapshot()]
    while clock.now < T0 + DOWN_FOR:
        await worker.run_once()
        history.append(await snapshot())
        clock.advance(seconds=30)
    down = history[-1]
    rows = down.rows.values()
    assert all(row.state is DeliveryState.PENDING for row in rows)
    assert all(row.last_error for row in rows if row.attempts)
    assert {row.last_status for row in rows} <= {503, None}
    assert any(row.last_status == 503 for row in rows)
    assert any("connect" in (row.last_error or "").lower() for row in rows)
    assert max(row.attempts for row in rows) >= 2
    # Each row's attempts only grow, one request at a time
    for row_id in down.rows:
        attempts = [snap.rows[row_id].attempts for snap in history]
        assert attempts == sorted(attempts) and all(b - a <= 1 for a, b in zip(attempts, attempts[1:]))
    for before, after in zip(history, history[1:]):
        for row_id, row in after.rows.items():
            earlier = before.rows[row_id]
            if row.attempts > earlier.attempts:
                # A failed attempt waits a floor plus full jitter under a ceiling that doubles per attempt
                assert row.last_attempt_at is not None
                gap = (row.next_attempt_at - row.last_attempt_at).total_seconds()
                assert retry.floor <= gap <= retry.floor + retry.ceiling(row.attempts), (row.attempts, gap)
            elif row.next_attempt_at != earlier.next_attempt_at:
                # A due row of a host whose circuit is open is put back, unsent, until the circuit closes
                # (failures still in flight in the same run may lengthen the circuit afterwards)
                assert after.health is not None and after.health.circuit_open_until is not None
                latest = after.health.circuit_open_until + timedelta(seconds=hosts.reschedule_spread)
                assert earlier.next_attempt_at <= after.at < row.next_attempt_at <= latest
    # The circuit opened at the threshold and each failure after that kept it open longer, up to its cap
    opened_for = [(snap.health.circuit_open_until - snap.health.last_failure_at).total_seconds()
                  for snap in history if snap.health and snap.health.circuit_open_until and snap.health.last_failure_at]
    assert opened_for == sorted(opened_for) and opened_for[-1] == hosts.open_cap
    assert len(set(opened_for)) >= 2
    assert down.health is not None and down.health.consecutive_failures >= hosts.threshold
    # While it was open nothing was sent: every request the partner saw is an attempt in a row
    assert partner.refusals == sum(row.attempts for row in rows)
    # One hour is not the days of failures that mark a host unavailable: fan-out still queues for it
    assert not down.health.unavailable
    assert await storage.deliveries.unavailable_hosts([PARTNER]) == frozenset()

    # When it is back, everything queued arrives, within the two-day window the rows have
    partner.down = False
    deadline = T0 + retry.max_age
    while any(row.state is DeliveryState.PENDING for row in (await snapshot()).rows.values()):
        assert clock.now < deadline, "still pending at the end of the retry window"
        clock.advance(minutes=1)
        await worker.run_once()
    back = await snapshot()
    assert all(row.state is DeliveryState.DONE for row in back.rows.values())
    assert set(partner.received_ids) == uris
    # And the host's health recovered on the first success
    assert back.health is not None
    assert back.health.consecutive_failures == 0 and back.health.circuit_open_until is None
    assert back.health.last_success_at is not None and not back.health.unavailable


# ---------------------------------------------------------------------------
# 3. A server killed while clients post
# ---------------------------------------------------------------------------

STAFF = ("alice", "bob", "carol", "dave", "erin")
POSTERS = 24


@dataclass(frozen=True)
class Outsider:
    username: str
    inbox: str


OUTSIDERS = (Outsider("olga", "https://partner-a.example/users/olga/inbox"),
             Outsider("pete", "https://partner-b.example/users/pete/inbox"))


async def prepare_posting_world(settings: Settings) -> dict[str, str]:
    """Staff with tokens; everyone follows alice and bob; outsiders follow alice, whose posts auto-publish."""
    app = app_for(settings)
    async with serving(app) as client:
        tokens = {name: await staff_token(app, name) for name in STAFF}
        storage = app.state.insideout.storage
        accounts = {name: await storage.accounts.get_local(name) for name in STAFF}
        for follower in STAFF:
            for followed in ("alice", "bob"):
                if follower != followed:
                    target = accounts[followed]
                    assert target is not None
                    answer = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=bearer(tokens[follower]))
                    assert answer.status_code == 200, answer.text
        alice = accounts["alice"]
        assert alice is not None
        for outsider in OUTSIDERS:
            domain = outsider.inbox.split("/")[2]
            remote = await storage.accounts.upsert_remote(RemoteProfile(
                uri=f"https://{domain}/users/{outsider.username}", username=outsider.username, domain=domain,
                actor_type="Person", inbox_url=outsider.inbox,
            ))
            await storage.follows.follow(remote.id, alice.id, FollowState.ACCEPTED)
        await storage.policies.set_auto_publish(alice.id, True, actor="test", reason="her posts go out at once")
    return tokens


def post_for(name: str, number: int) -> dict[str, str]:
    """alice: public, published at once; bob: mentions carol; erin: a private note to dave."""
    if name == "alice":
        return {"status": f"News number {number}", "visibility": "public"}
    if name == "bob":
        return {"status": f"@carol have a look at {number}", "visibility": "public"}
    return {"status": f"@dave only for you, {number}", "visibility": "private"}


async def check_fan_out(storage: Storage) -> tuple[int, int, list[str]]:
    """(statuses, published, what is missing): every stored status must have its whole fan-out."""
    accounts = {account.id: account for account in await storage.accounts.list_local()}
    followers = {account_id: set(await storage.follows.local_follower_ids(account_id)) for account_id in accounts}
    homes = {account_id: set(await storage.timelines.home(account_id, Page(limit=100_000))) for account_id in accounts}
    mentioned_in = {
        account_id: {n.status_id for n in await storage.notifications.list(account_id, Page(limit=100_000),
                                                                            types=("mention",))}
        for account_id in accounts
    }
    statuses: list[Status] = []
    for account_id in accounts:
        ids = await storage.timelines.statuses(account_id, Page(limit=100_000), StatusFilter(), account_id=account_id)
        statuses.extend((await storage.statuses.get_many(list(ids))).values())
    missing: list[str] = []
    published = 0
    for status in statuses:
        author = accounts[status.account_id]
        mentions = set((await storage.statuses.mention_ids([status.id])).get(status.id, ()))
        audience = {author.id, *mentions}
        if status.visibility is not Visibility.DIRECT:
            audience |= followers[author.id]
        for account_id in sorted(audience):
            if status.id not in homes[account_id]:
                missing.append(f"status {status.id} by @{author.username}: not in @{accounts[account_id].username}'s home")
        for account_id in sorted(mentions):
            if status.id not in mentioned_in[account_id]:
                missing.append(f"status {status.id} by @{author.username}: no mention notification for"
                               f" @{accounts[account_id].username}")
        if status.publication_state is PublicationState.PUBLISHED:
            published += 1
            sent = {row.inbox_url for row in await storage.deliveries.for_activity(f"{status.uri}/activity")}
            expected = {o.inbox for o in OUTSIDERS} if author.username == "alice" else set()
            if not expected <= sent:
                missing.append(f"status {status.id} by @{author.username}: published, deliveries {sorted(sent)}")
    return len(statuses), published, missing


async def test_a_server_killed_while_clients_post_leaves_no_status_without_its_fan_out(
    tmp_path: Path, processes: list[Process], opened: Callable[[str], Storage]
) -> None:
    database = fresh_database(tmp_path)
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, INSIDEOUT_STORAGE_DATABASE=database)
    tokens = await prepare_posting_world(settings)
    port = free_port()
    server = launch(tmp_path, "server", environment(tmp_path, database, INSIDEOUT_LOGGING_LEVEL="warning"),
                    "serve", "--no-workers", "--port", str(port))
    processes.append(server)
    base = f"http://127.0.0.1:{port}"

    async def healthy() -> bool:
        try:
            async with httpx.AsyncClient() as probe:
                return (await probe.get(f"{base}/health", timeout=1)).status_code == 200
        except httpx.TransportError:
            return False

    deadline = time.monotonic() + WAIT
    while not await healthy():
        assert server.popen.poll() is None, server.tail()
        assert time.monotonic() < deadline, "the server did not start"
        await asyncio.sleep(0.1)

    # Given many clients posting at once
    answered: list[int] = []  # ids of the posts the server confirmed
    failed: list[str] = []
    stop_posting = asyncio.Event()

    async def poster(number: int, client: httpx.AsyncClient) -> None:
        name = ("alice", "bob", "erin")[number % 3]
        sent = 0
        while not stop_posting.is_set():
            try:
                answer = await client.post("/api/v1/statuses", headers=bearer(tokens[name]),
                                           data=post_for(name, number * 10_000 + sent))
            except httpx.TransportError as exc:
                failed.append(type(exc).__name__)
                return
            assert answer.status_code == 200, answer.text
            answered.append(int(answer.json()["id"]))
            sent += 1

    limits = httpx.Limits(max_connections=POSTERS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        posting = [asyncio.create_task(poster(number, client)) for number in range(POSTERS)]
        # When the server is killed in the middle of it
        await wait_until("posts answered", lambda: len(answered) >= 3 * POSTERS, server)
        server.kill()
        stop_posting.set()
        await asyncio.gather(*posting)
    assert failed, "some posts were in flight when the server died"

    # Then every status that exists has all of its fan-out; the others do not exist at all
    storage = opened(database)
    await storage.open()
    count, published, missing = await check_fan_out(storage)
    assert len(await storage.statuses.get_many(answered)) == len(answered), "a confirmed post is gone"
    assert count >= len(answered) and published > 0
    assert missing == [], f"{len(missing)} gaps among {count} statuses:\n" + "\n".join(missing[:20])
    print(f"{count} statuses ({published} published), {len(answered)} confirmed, {len(failed)} cut off by the kill")
