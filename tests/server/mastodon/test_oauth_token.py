"""``POST /oauth/token`` and ``/oauth/revoke``: every way a client can get it wrong, in RFC 6749's words."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from server.mastodon.auth import digest_token
from storage.clock import utcnow
from storage.models import NewAuthorizationCode
from tests.server.mastodon.oauth_helpers import CALLBACK, PASSWORD, Served, served

pytestmark = pytest.mark.anyio
__all__ = ["served"]


async def given_code(served: Served, raw: str = "the-code", **overrides: object) -> None:
    app = await served.storage.oauth.get_application_by_client_id(served.client_id)
    assert app is not None
    fields: dict[str, object] = {
        "code_digest": digest_token(raw),
        "application_id": app.id,
        "account_id": served.alice_id,
        "redirect_uri": CALLBACK,
        "scopes": ("read",),
        "expires_at": utcnow() + timedelta(minutes=10),
    }
    fields.update(overrides)
    await served.storage.oauth.create_authorization_code(NewAuthorizationCode(**fields))  # type: ignore[arg-type]


async def test_password_grant_answers_doorkeepers_shape(served: Served) -> None:
    answer = await served.token_request(grant_type="password", username="alice@example.com", password=PASSWORD,
                                        scope="write read")  # fmt: skip

    body = answer.json()
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert set(body) == {"access_token", "token_type", "scope", "created_at"}
    assert body["token_type"] == "Bearer" and body["scope"] == "read write" and isinstance(body["created_at"], int)


async def test_the_stored_token_is_a_digest(served: Served) -> None:
    token = await served.password_token()

    stored = await served.storage.tokens.get_access_token(digest_token(token))
    assert stored is not None and stored.account_id == served.alice_id
    assert await served.storage.tokens.get_access_token(token) is None


async def test_wrong_secret_is_invalid_client(served: Served) -> None:
    answer = await served.client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                            "client_id": served.client_id, "client_secret": "nope"})  # fmt: skip
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client" and "error_description" in answer.json()


async def test_unknown_client_is_invalid_client(served: Served) -> None:
    answer = await served.client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                            "client_id": "nobody", "client_secret": "x"})  # fmt: skip
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


async def test_http_basic_client_authentication(served: Served) -> None:
    credentials = base64.b64encode(f"{served.client_id}:{served.client_secret}".encode()).decode()
    answer = await served.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers={"Authorization": f"Basic {credentials}"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["scope"] == "read"


async def test_json_bodies_are_accepted(served: Served) -> None:
    answer = await served.client.post("/oauth/token", json={"grant_type": "client_credentials", "scope": "push",
                                      "client_id": served.client_id, "client_secret": served.client_secret})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["scope"] == "push"


async def test_malformed_json_is_invalid_request(served: Served) -> None:
    answer = await served.client.post("/oauth/token", content=b'{"grant_type": ', headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


async def test_deeply_nested_json_is_invalid_request(served: Served) -> None:
    # given a JSON body nested three thousand objects deep
    body = b'{"grant_type": ' * 3000 + b'"password"' + b"}" * 3000

    # when it is posted for a token
    answer = await served.client.post("/oauth/token", content=body, headers={"Content-Type": "application/json"})

    # then it is RFC 6749's invalid_request, not a server error
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


async def test_unknown_grant_type(served: Served) -> None:
    answer = await served.token_request(grant_type="refresh_token", refresh_token="x")
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_is_invalid_request(served: Served) -> None:
    answer = await served.token_request()
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize("scope", ["admin:read", "read fly"])
async def test_scopes_outside_the_app_or_unknown_are_invalid_scope(served: Served, scope: str) -> None:
    answer = await served.token_request(grant_type="password", username="alice", password=PASSWORD, scope=scope)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


async def test_wrong_password_is_invalid_grant(served: Served) -> None:
    answer = await served.token_request(grant_type="password", username="alice", password="wrong password")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_password_guessing_is_throttled_per_account(served: Served) -> None:
    for _ in range(10):
        await served.token_request(grant_type="password", username="bob", password="guess guess")

    answer = await served.token_request(grant_type="password", username="bob", password=PASSWORD)

    assert answer.status_code == 429
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"} <= set(answer.headers)
    assert (await served.token_request(grant_type="password", username="alice", password=PASSWORD)).status_code == 200


async def test_code_exchange_checks_redirect_uri(served: Served) -> None:
    await given_code(served)
    answer = await served.token_request(grant_type="authorization_code", code="the-code",
                                        redirect_uri="https://evil.example/cb")  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_expired_code_is_invalid_grant(served: Served) -> None:
    await given_code(served, expires_at=utcnow() - timedelta(seconds=1))
    answer = await served.token_request(grant_type="authorization_code", code="the-code", redirect_uri=CALLBACK)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_unknown_code_is_invalid_grant(served: Served) -> None:
    answer = await served.token_request(grant_type="authorization_code", code="never-issued", redirect_uri=CALLBACK)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_reused_code_revokes_the_token_it_gave(served: Served) -> None:
    await given_code(served)
    first = await served.token_request(grant_type="authorization_code", code="the-code", redirect_uri=CALLBACK)
    token = first.json()["access_token"]
    assert (await served.whoami(token)).status_code == 200

    second = await served.token_request(grant_type="authorization_code", code="the-code", redirect_uri=CALLBACK)

    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert (await served.whoami(token)).json() == {"error": "The access token is invalid"}


async def test_code_of_another_client_is_invalid_grant(served: Served) -> None:
    await given_code(served)
    other = (await served.client.post("/api/v1/apps", data={"client_name": "Other", "redirect_uris": CALLBACK})).json()
    answer = await served.client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": "the-code", "redirect_uri": CALLBACK,
        "client_id": other["client_id"], "client_secret": other["client_secret"]})  # fmt: skip
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("verifier", [None, "short", "x" * 43])
async def test_bad_pkce_verifier_is_invalid_grant(served: Served, verifier: str | None) -> None:
    await given_code(served, code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method="S256")
    data = {"grant_type": "authorization_code", "code": "the-code", "redirect_uri": CALLBACK}
    if verifier is not None:
        data["code_verifier"] = verifier
    answer = await served.token_request(**data)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_rfc7636_example_verifier_is_accepted(served: Served) -> None:
    await given_code(served, code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method="S256")
    answer = await served.token_request(grant_type="authorization_code", code="the-code", redirect_uri=CALLBACK,
                                        code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")  # fmt: skip
    assert answer.status_code == 200


async def test_revoke_is_idempotent_and_answers_unknown_tokens(served: Served) -> None:
    token = await served.password_token()
    credentials = {"client_id": served.client_id, "client_secret": served.client_secret}

    answers = [await served.client.post("/oauth/revoke", data={**credentials, "token": t}) for t in (token, token, "x")]

    assert [(a.status_code, a.json()) for a in answers] == [(200, {})] * 3
    assert (await served.whoami(token)).status_code == 401


async def test_revoke_needs_the_owning_client(served: Served) -> None:
    token = await served.password_token()
    other = (await served.client.post("/api/v1/apps", data={"client_name": "Other", "redirect_uris": CALLBACK})).json()

    wrong_secret = await served.client.post("/oauth/revoke", data={"client_id": served.client_id,
                                                                   "client_secret": "no", "token": token})  # fmt: skip
    other_app = await served.client.post("/oauth/revoke", data={"client_id": other["client_id"],
                                         "client_secret": other["client_secret"], "token": token})  # fmt: skip

    assert wrong_secret.status_code == 401 and other_app.status_code == 403
    assert (await served.whoami(token)).status_code == 200
