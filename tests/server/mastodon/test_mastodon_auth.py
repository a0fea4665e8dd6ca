"""Who is calling: bearer tokens, Doorkeeper's token parameters, and Mastodon's refusals."""

from __future__ import annotations

import pytest

from server.mastodon.auth import digest_token
from tests.server.mastodon.oauth_helpers import Served, served

pytestmark = pytest.mark.anyio
__all__ = ["served"]


async def test_a_user_token_reaches_a_user_endpoint(served: Served) -> None:
    token = await served.password_token()
    answer = await served.whoami(token)
    assert answer.status_code == 200 and answer.json() == {"username": "alice", "acting_as": None}


async def test_no_token_and_unknown_token_are_401(served: Served) -> None:
    missing = await served.client.get("/api/v1/test/whoami")
    unknown = await served.whoami("made-up")
    for answer in (missing, unknown):
        assert answer.status_code == 401 and answer.json() == {"error": "The access token is invalid"}
        assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_token_in_query_or_form_parameter(served: Served) -> None:
    token = await served.password_token()
    by_query = await served.client.get("/api/v1/test/whoami", params={"access_token": token})
    by_form = await served.client.post("/api/v1/test/any", data={"access_token": token})
    assert by_query.json()["username"] == "alice"
    assert by_form.json() == {"kind": "Viewer"}


async def test_missing_scope_is_403(served: Served) -> None:
    token = await served.password_token(scope="write")
    answer = await served.whoami(token)
    assert answer.status_code == 403 and answer.json() == {"error": "This action is outside the authorized scopes"}


async def test_token_of_a_disabled_user_is_403_on_the_next_request(served: Served) -> None:
    token = await served.password_token()
    await served.storage.accounts.set_disabled(served.alice_id, True)  # disabled without revoking, to isolate the check

    answer = await served.whoami(token)

    assert answer.status_code == 403 and answer.json() == {"error": "Your login is currently disabled"}


async def test_app_only_token_is_not_a_user(served: Served) -> None:
    answer = await served.token_request(grant_type="client_credentials", scope="read")
    token = answer.json()["access_token"]

    user_only = await served.whoami(token)
    either = await served.client.get("/api/v1/test/any", headers={"Authorization": f"Bearer {token}"})

    assert user_only.status_code == 401 and user_only.json() == {"error": "This method requires an authenticated user"}
    assert either.json() == {"kind": "AppOnly"}
    stored = await served.storage.tokens.get_access_token(digest_token(token))
    assert stored is not None and stored.account_id is None


async def test_app_verify_credentials_never_shows_the_secret(served: Served) -> None:
    token = await served.password_token()
    answer = await served.client.get("/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    body = answer.json()
    assert answer.status_code == 200 and body["name"] == "Tusky" and body["scopes"] == ["read", "write", "push"]
    assert "client_secret" not in body and "client_id" not in body and body["vapid_key"]


async def test_app_verify_credentials_needs_a_token(served: Served) -> None:
    answer = await served.client.get("/api/v1/apps/verify_credentials")
    assert answer.status_code == 401
