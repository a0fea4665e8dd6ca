"""A first sign-in finds the account SCIM provisioned for the person, before any email match."""

from __future__ import annotations

import pytest

from activitypub.errors import Forbidden, SignInRefused
from server.passwords import Passwords
from server.services.accounts import AccountService
from server.services.provisioning import ScimUsers, UserResource
from server.services.scim_tokens import ScimCaller
from storage.protocols import Storage
from tests.server.signin.test_sso_accounts import claims, sso

pytestmark = pytest.mark.anyio
CALLER = ScimCaller(1, "idp")


class NoOffboarding:
    async def depart(self, account_id: int, *, actor: str, reason: str | None = None) -> None:
        raise AssertionError("nobody departs here")


async def provision(storage: Storage, accounts: AccountService, user_name: str, email: str) -> int:
    users = ScimUsers(storage, accounts, NoOffboarding(), "https://social.corp")  # type: ignore[arg-type]
    resource = UserResource(user_name=user_name, emails=[{"value": email, "type": "work"}])  # type: ignore[list-item]
    created = await users.create(resource, CALLER)
    return int(str(created.id))


async def test_the_scim_account_is_matched_by_user_name_and_linked(storage: Storage) -> None:
    accounts = AccountService(storage, Passwords())
    # Given an older account holding the email the ID token carries, and SCIM's account for the person:
    await accounts.create_employee("alice_old", "alice@corp.example", "long enough password")
    provisioned = await provision(storage, accounts, "Alice.Smith@corp.example", "asmith@corp.example")

    # When the person signs in for the first time, username_claim carrying SCIM's userName in another case:
    employee = await sso(storage, accounts).account_for(
        claims("sub-alice", username="alice.smith@CORP.example", email="alice@corp.example"))

    # Then it is SCIM's account, now linked to the subject, and the email's account is untouched.
    assert employee.account.id == provisioned
    assert employee.user.sso_subject == "sub-alice"
    again = await sso(storage, accounts).account_for(claims("sub-alice", username="someone-else"))
    assert again.account.id == provisioned
    old = await accounts.employee("alice_old")
    assert old.user.sso_subject is None


async def test_a_scim_account_linked_to_another_subject_is_refused(storage: Storage) -> None:
    accounts = AccountService(storage, Passwords())
    await provision(storage, accounts, "bob@corp.example", "bob@corp.example")
    await sso(storage, accounts).account_for(claims("sub-bob", username="bob@corp.example", email="b@x.example"))

    with pytest.raises(SignInRefused):
        await sso(storage, accounts).account_for(claims("sub-mallory", username="bob@corp.example",
                                                        email="m@x.example"))


async def test_a_deactivated_scim_account_is_refused(storage: Storage) -> None:
    accounts = AccountService(storage, Passwords())
    account_id = await provision(storage, accounts, "carol@corp.example", "carol@corp.example")
    await storage.accounts.set_disabled(account_id, True)

    with pytest.raises(Forbidden):
        await sso(storage, accounts).account_for(claims("sub-carol", username="carol@corp.example",
                                                        email="carol@corp.example"))
