"""OAuth apps and authorization codes: the conformance suite every backend passes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activitypub.errors import Conflict
from storage.clock import utcnow
from storage.models import Account, NewApplication, NewAuthorizationCode, OAuthApplication
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


def new_application(client_id: str = "client-1", **overrides: object) -> NewApplication:
    fields: dict[str, object] = {
        "name": "Tusky",
        "website": "https://tusky.app",
        "redirect_uris": ("tusky://oauth", "urn:ietf:wg:oauth:2.0:oob"),
        "scopes": ("read", "write", "push"),
        "client_id": client_id,
        "client_secret_digest": f"digest-of-{client_id}",
    }
    fields.update(overrides)
    return NewApplication(**fields)  # type: ignore[arg-type]


async def given_app_and_alice(storage: Storage) -> tuple[OAuthApplication, Account]:
    app = await storage.oauth.create_application(new_application())
    alice = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))
    return app, alice


def new_code(app: OAuthApplication, account: Account, digest: str = "code-1", **overrides: object) -> NewAuthorizationCode:
    fields: dict[str, object] = {
        "code_digest": digest,
        "application_id": app.id,
        "account_id": account.id,
        "redirect_uri": "tusky://oauth",
        "scopes": ("read", "write"),
        "expires_at": utcnow() + timedelta(minutes=10),
    }
    fields.update(overrides)
    return NewAuthorizationCode(**fields)  # type: ignore[arg-type]


async def test_an_application_round_trips_by_id_and_client_id(storage: Storage) -> None:
    created = await storage.oauth.create_application(new_application())

    assert created.name == "Tusky" and created.website == "https://tusky.app"
    assert created.redirect_uris == ("tusky://oauth", "urn:ietf:wg:oauth:2.0:oob")
    assert created.scopes == ("read", "write", "push")
    assert created.client_secret_digest == "digest-of-client-1"
    assert await storage.oauth.get_application(created.id) == created
    assert await storage.oauth.get_application_by_client_id("client-1") == created


async def test_unknown_applications_are_none(storage: Storage) -> None:
    assert await storage.oauth.get_application(12345) is None
    assert await storage.oauth.get_application_by_client_id("nope") is None


async def test_an_application_without_website_keeps_none(storage: Storage) -> None:
    created = await storage.oauth.create_application(new_application(website=None))
    assert created.website is None


async def test_client_ids_are_unique(storage: Storage) -> None:
    await storage.oauth.create_application(new_application("same"))
    with pytest.raises(Conflict):
        await storage.oauth.create_application(new_application("same"))


async def test_a_code_round_trips_with_pkce_and_acting_as(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    company = await storage.accounts.create_local(new_account("company"))

    code = await storage.oauth.create_authorization_code(
        new_code(app, alice, code_challenge="abc", code_challenge_method="S256", acting_as_account_id=company.id)
    )

    assert code.application_id == app.id and code.account_id == alice.id
    assert code.scopes == ("read", "write") and code.redirect_uri == "tusky://oauth"
    assert (code.code_challenge, code.code_challenge_method) == ("abc", "S256")
    assert code.acting_as_account_id == company.id and code.used_at is None
    assert code.expires_at > code.created_at
    assert await storage.oauth.get_authorization_code("code-1") == code
    assert await storage.oauth.get_authorization_code("other") is None


async def test_redeeming_a_code_issues_a_token_with_its_grant(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    company = await storage.accounts.create_local(new_account("company"))
    code = await storage.oauth.create_authorization_code(new_code(app, alice, acting_as_account_id=company.id))

    token = await storage.oauth.redeem_authorization_code(code.id, "token-1")

    assert token is not None
    assert (token.account_id, token.application_id, token.scopes) == (alice.id, app.id, ("read", "write"))
    assert token.acting_as_account_id == company.id and token.revoked_at is None
    assert await storage.tokens.get_access_token("token-1") == token
    used = await storage.oauth.get_authorization_code("code-1")
    assert used is not None and used.used_at is not None


async def test_redeeming_a_code_twice_revokes_the_first_token(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    code = await storage.oauth.create_authorization_code(new_code(app, alice))
    first = await storage.oauth.redeem_authorization_code(code.id, "token-1")

    second = await storage.oauth.redeem_authorization_code(code.id, "token-2")

    assert first is not None and second is None
    revoked = await storage.tokens.get_access_token("token-1")
    assert revoked is not None and revoked.revoked_at is not None
    assert await storage.tokens.get_access_token("token-2") is None


async def test_revoking_tokens_from_a_code_touches_only_that_code(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    one = await storage.oauth.create_authorization_code(new_code(app, alice, "code-1"))
    two = await storage.oauth.create_authorization_code(new_code(app, alice, "code-2"))
    await storage.oauth.redeem_authorization_code(one.id, "token-1")
    await storage.oauth.redeem_authorization_code(two.id, "token-2")

    assert await storage.oauth.revoke_tokens_from_code(one.id) == 1
    assert await storage.oauth.revoke_tokens_from_code(one.id) == 0

    kept = await storage.tokens.get_access_token("token-2")
    assert kept is not None and kept.revoked_at is None


async def test_a_code_without_pkce_and_a_token_without_acting_as_store_none(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    code = await storage.oauth.create_authorization_code(new_code(app, alice))
    direct = await storage.tokens.create_access_token("direct", alice.id, app.id, ["read"])

    assert code.code_challenge is None and code.code_challenge_method is None
    assert direct.acting_as_account_id is None


async def test_code_digests_are_unique(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    await storage.oauth.create_authorization_code(new_code(app, alice, "same"))
    with pytest.raises(Conflict):
        await storage.oauth.create_authorization_code(new_code(app, alice, "same"))


async def test_revoking_an_account_revokes_tokens_from_codes_too(storage: Storage) -> None:
    app, alice = await given_app_and_alice(storage)
    code = await storage.oauth.create_authorization_code(new_code(app, alice))
    await storage.oauth.redeem_authorization_code(code.id, "token-1")

    await storage.tokens.revoke_all_for_account(alice.id)

    token = await storage.tokens.get_access_token("token-1")
    assert token is not None and token.revoked_at is not None
