"""The sign-in throttle counts guesses per person, not per string typed.

Given dave (email ``dave@acme.test``) on the instance ``testserver``; when
wrong passwords are spread over the spellings of his login (``dave``,
``DAVE``, ``dave@testserver``, ``@dave``); then the ten of them spend one
budget, and the eleventh attempt is refused even with the right password,
through the password grant, the OAuth sign-in form and the admin sign-in
alike, while erin signs in as usual. Logins naming nobody are folded the
same way, so their answers do not tell them from dave's.
"""

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
from server.signin.throttle import account_key
from storage.protocols import Storage
from tests.server.helpers import app_for, bearer, settings_for
from tests.server.mastodon.oauth_helpers import PASSWORD, register
from tests.server.mastodon.test_oauth_authorize import authorize_path, hidden_fields
from tests.server.mastodon.test_sign_in_throttle import stop_clocks

pytestmark = pytest.mark.anyio

SPELLINGS = ("dave", "DAVE", "dave@testserver", "@dave")
OTHER_SPELLINGS = (" Dave ", "@dave@testserver", "@DAVE@TestServer", "dave@acme.test", "DAVE@ACME.TEST")
CORRECT_SPELLINGS = ("dave", "@dave@testserver", "dave@acme.test")


def ten_guesses(spellings: tuple[str, ...] = SPELLINGS) -> list[str]:
    return [spellings[n % len(spellings)] for n in range(10)]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Starlette]:
    app = app_for(settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL="http://testserver"))
    stop_clocks(app)
    async with app.router.lifespan_context(app):
        # Cheap Argon2 parameters for speed; verification reads them from the hash itself.
        accounts = AccountService(app.state.insideout.storage, Passwords(PasswordHasher(time_cost=1, memory_cost=1024)))
        await accounts.create_employee("dave", "dave@acme.test", PASSWORD)
        await accounts.create_employee("erin", "erin@acme.test", PASSWORD)
        yield app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def password_grant(client: httpx.AsyncClient, registered: dict[str, str], login: str,
                         password: str) -> httpx.Response:
    return await client.post("/oauth/token", data={
        "client_id": registered["client_id"], "client_secret": registered["client_secret"],
        "grant_type": "password", "username": login, "password": password, "scope": "read",
    })  # fmt: skip


async def test_every_spelling_of_a_login_names_one_account(app: Starlette) -> None:
    storage: Storage = app.state.insideout.storage
    dave = await storage.accounts.get_local("dave")
    assert dave is not None

    keys = {(await resolve_login(storage, "testserver", login)).throttle_key for login in SPELLINGS + OTHER_SPELLINGS}

    assert keys == {account_key(dave.id)}


async def test_every_spelling_signs_in_to_the_same_account(client: httpx.AsyncClient) -> None:
    registered = await register(client)

    tokens = [(await password_grant(client, registered, login, PASSWORD)).json()["access_token"]
              for login in SPELLINGS + OTHER_SPELLINGS]
    usernames = {(await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))).json()["username"]
                 for token in tokens}

    assert usernames == {"dave"}


async def test_guesses_over_spellings_share_one_budget_on_the_password_grant(client: httpx.AsyncClient) -> None:
    registered = await register(client)

    guesses = [(await password_grant(client, registered, login, f"guess {n}")).status_code
               for n, login in enumerate(ten_guesses())]
    right = {login: (await password_grant(client, registered, login, PASSWORD)).status_code
             for login in CORRECT_SPELLINGS}
    erin = await password_grant(client, registered, "erin", PASSWORD)

    assert guesses == [400] * 10
    assert right == {login: 429 for login in CORRECT_SPELLINGS}
    assert erin.status_code == 200


@pytest.mark.parametrize("form", ["/oauth/sign_in", "/admin/sign_in"])
async def test_guesses_over_spellings_share_one_budget_on_the_sign_in_forms(
    client: httpx.AsyncClient, form: str
) -> None:
    if form == "/oauth/sign_in":
        page = await client.get(authorize_path((await register(client))["client_id"]))
    else:
        page = await client.get("/admin/sign_in")
    fields = hidden_fields(page.text)

    async def sign_in(login: str, password: str) -> int:
        answer = await client.post(form, data={**fields, "login": login, "password": password})
        return answer.status_code

    guesses = [await sign_in(login, f"guess {n}") for n, login in enumerate(ten_guesses())]
    right = {login: await sign_in(login, PASSWORD) for login in CORRECT_SPELLINGS}
    erin = await sign_in("erin", PASSWORD)

    assert guesses == [422] * 10
    assert right == {login: 429 for login in CORRECT_SPELLINGS}
    assert erin == 303


async def test_a_login_naming_nobody_is_throttled_as_a_persons_would_be(client: httpx.AsyncClient) -> None:
    registered = await register(client)
    nobody = ("nobody", "NOBODY", "nobody@testserver", "@nobody")

    guesses = [(await password_grant(client, registered, login, f"guess {n}")).status_code
               for n, login in enumerate(ten_guesses(nobody))]
    eleventh = await password_grant(client, registered, "@Nobody@testserver", "guess 11")
    someone_else = await password_grant(client, registered, "nobody_else", "guess 12")

    assert guesses == [400] * 10
    assert eleventh.status_code == 429
    assert someone_else.status_code == 400
