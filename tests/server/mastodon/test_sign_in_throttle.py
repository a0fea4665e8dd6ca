"""The sign-in throttle's budget is the database's, whichever server process a guess reaches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from server.passwords import Passwords
from server.services.accounts import AccountService
from server.signin.logins import resolve_login
from server.signin.throttle import SignInThrottle, account_key
from storage import open_storage
from storage.protocols import Storage
from tests.backends import fresh_database
from tests.server.helpers import app_for, serving, settings_for
from tests.server.mastodon.oauth_helpers import PASSWORD, register
from tests.server.mastodon.test_oauth_authorize import authorize_path, hidden_fields

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0
ALICE, BOB = account_key(1), account_key(2)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Storage, Storage]]:
    """Two storages on one database, as two server processes hold them."""
    url = fresh_database(tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    first, second = open_storage(url), open_storage(url)
    await first.open()
    await first.migrate()
    await second.open()
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def test_failures_spread_over_two_processes_use_one_account_budget(
    two_processes: tuple[Storage, Storage],
) -> None:
    clock = FakeClock()
    stores = two_processes
    throttles = [SignInThrottle(clock=clock), SignInThrottle(clock=clock)]

    for n in range(10):
        assert (await throttles[n % 2].attempt(stores[n % 2].throttle, f"198.51.100.{n}", ALICE)).allowed
        await throttles[n % 2].failed(stores[n % 2].throttle, ALICE)

    for throttle, store in zip(throttles, stores):
        refused = await throttle.attempt(store.throttle, "198.51.100.77", ALICE)
        assert (refused.allowed, refused.limit, refused.remaining) == (False, 10, 0)
        assert refused.retry_after == pytest.approx(30.0)  # 300 s / 10 attempts
    assert (await throttles[0].attempt(stores[1].throttle, "198.51.100.77", BOB)).allowed


async def test_an_emptied_bucket_refills_with_the_clock(two_processes: tuple[Storage, Storage]) -> None:
    clock = FakeClock()
    (first, second), throttle = two_processes, SignInThrottle(per_account=3, period=30.0, clock=clock)
    for _ in range(3):
        await throttle.failed(first.throttle, ALICE)
    assert not (await throttle.attempt(second.throttle, "192.0.2.1", ALICE)).allowed

    clock.now += 9.5
    assert (await throttle.attempt(second.throttle, "192.0.2.1", ALICE)).retry_after == pytest.approx(0.5)
    clock.now += 0.5
    assert (await throttle.attempt(second.throttle, "192.0.2.1", ALICE)).allowed


async def test_the_ip_budget_is_shared_and_counts_every_attempt(two_processes: tuple[Storage, Storage]) -> None:
    clock = FakeClock()
    stores, throttles = two_processes, [SignInThrottle(clock=clock), SignInThrottle(clock=clock)]

    verdicts = [
        await throttles[n % 2].attempt(stores[n % 2].throttle, "203.0.113.5", account_key(n)) for n in range(26)
    ]

    assert [v.allowed for v in verdicts] == [True] * 25 + [False]
    assert [v.remaining for v in verdicts[:3]] == [24, 23, 22] and verdicts[25].limit == 25
    assert (await throttles[0].attempt(stores[0].throttle, "203.0.113.6", account_key(0))).allowed


async def test_buckets_full_again_are_swept_away(two_processes: tuple[Storage, Storage]) -> None:
    clock = FakeClock()
    store, throttle = two_processes[0], SignInThrottle(clock=clock)
    await throttle.attempt(store.throttle, "192.0.2.1", ALICE)
    await throttle.failed(store.throttle, ALICE)
    assert await bucket_rows(store) == 2

    clock.now += 300.0
    await throttle.attempt(store.throttle, "192.0.2.2", BOB)

    assert await bucket_rows(store) == 1  # only the new attempt's IP bucket is left


async def bucket_rows(storage: Storage) -> int:
    row = await storage.database.fetch_one("SELECT count(*) AS n FROM sign_in_buckets")  # type: ignore[attr-defined]
    return int(row["n"])


async def test_a_login_is_never_stored_in_clear(two_processes: tuple[Storage, Storage]) -> None:
    store, throttle = two_processes[0], SignInThrottle()
    typed = await resolve_login(store, "testserver", "correct horse battery")  # a password in the login field
    await throttle.failed(store.throttle, typed.throttle_key)

    rows = await store.database.fetch_all("SELECT key FROM sign_in_buckets")  # type: ignore[attr-defined]

    assert len(rows) == 1 and "horse" not in rows[0]["key"]


# Two apps from the same settings: the state two server processes would hold, on one database.


def stop_clocks(*apps: Starlette) -> None:
    # The apps' clocks stand still: a token refilled while the test runs would blur the budgets.
    for app in apps:
        app.state.insideout.sign_in_throttle = SignInThrottle(clock=lambda: START)


async def given_alice(storage: Storage) -> None:
    # Cheap Argon2 parameters for speed; verification reads them from the hash itself.
    await AccountService(storage, Passwords(PasswordHasher(time_cost=1, memory_cost=1024))).create_employee(
        "alice", "alice@example.com", PASSWORD
    )


async def password_grant(client: httpx.AsyncClient, registered: dict[str, str], password: str) -> httpx.Response:
    return await client.post("/oauth/token", data={
        "client_id": registered["client_id"], "client_secret": registered["client_secret"],
        "grant_type": "password", "username": "alice", "password": password,
    })  # fmt: skip


async def test_guesses_spread_over_two_servers_are_refused_after_the_account_budget(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver")
    first, second = app_for(settings), app_for(settings)
    stop_clocks(first, second)
    async with serving(first, "192.0.2.10") as one, serving(second, "192.0.2.20") as other:
        await given_alice(first.state.insideout.storage)
        registered = await register(one)
        clients = [one, other]

        guesses = [(await password_grant(clients[n % 2], registered, f"guess {n}")).status_code for n in range(10)]
        right_password_on_each = [(await password_grant(c, registered, PASSWORD)).status_code for c in clients]
        page = await other.get(authorize_path(registered["client_id"]))
        web_form = await other.post(
            "/oauth/sign_in", data={**hidden_fields(page.text), "login": "alice", "password": PASSWORD}
        )

    assert guesses == [400] * 10
    assert right_password_on_each == [429, 429]
    assert web_form.status_code == 429 and "retry-after" in web_form.headers


async def test_sign_ins_spread_over_two_servers_share_the_ip_budget(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver")
    first, second = app_for(settings), app_for(settings)
    stop_clocks(first, second)
    async with serving(first) as one, serving(second) as other:
        await given_alice(first.state.insideout.storage)
        registered = await register(one)
        clients = [one, other]

        statuses = [(await password_grant(clients[n % 2], registered, PASSWORD)).status_code for n in range(26)]

    assert statuses == [200] * 25 + [429]
