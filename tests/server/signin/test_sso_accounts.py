"""Which account a proven sign-in is, and what the provider's groups make it (server/signin/sso.py)."""

from __future__ import annotations

from typing import Any

import pytest

from activitypub.errors import Forbidden, SignInRefused
from server.config import SsoSettings
from server.passwords import Passwords
from server.services.accounts import AccountService
from server.signin.identity_provider import IdentityClaims
from server.signin.sso import SingleSignOn, username_from_claim
from storage.models import AccountKind, Role
from storage.protocols import Storage

pytestmark = pytest.mark.anyio


@pytest.fixture
def accounts(storage: Storage) -> AccountService:
    return AccountService(storage, Passwords())


def sso(storage: Storage, accounts: AccountService, **settings: Any) -> SingleSignOn:
    defaults: dict[str, Any] = {"issuer": "https://idp.corp", "client_id": "c", "client_secret": "s",
                                "groups_claim": "groups"}
    return SingleSignOn(storage, SsoSettings(**(defaults | settings)), accounts, None)


def claims(subject: str = "sub-1", **changes: Any) -> IdentityClaims:
    values: dict[str, Any] = {"username": "alice", "email": "alice@corp.example", "email_verified": True,
                              "name": "Alice", "groups": ()}
    return IdentityClaims(subject=subject, **(values | changes))


async def audit_actions(storage: Storage) -> list[str]:
    return [action.action for action in await storage.admin.actions(limit=100)]


async def test_a_new_person_gets_an_account_linked_to_their_subject(storage: Storage, accounts: AccountService) -> None:
    employee = await sso(storage, accounts).account_for(claims())
    assert employee.account.username == "alice" and employee.account.display_name == "Alice"
    assert employee.user.sso_subject == "sub-1" and employee.user.email == "alice@corp.example"
    assert employee.user.role is Role.STAFF and not employee.user.local_login
    again = await sso(storage, accounts).account_for(claims(username="renamed-at-idp"))
    assert again.account.id == employee.account.id


async def test_a_verified_email_links_the_existing_account(storage: Storage, accounts: AccountService) -> None:
    existing = await accounts.create_employee("alice", "Alice@Corp.example", "a long password here")
    employee = await sso(storage, accounts).account_for(claims(username="a.liddell"))
    assert employee.account.id == existing.account.id and employee.user.sso_subject == "sub-1"
    assert "account.sso_link" in await audit_actions(storage)


async def test_an_unverified_email_never_links_an_existing_account(storage: Storage, accounts: AccountService) -> None:
    existing = await accounts.create_employee("alice", "alice@corp.example", "a long password here")
    with pytest.raises(SignInRefused):
        await sso(storage, accounts).account_for(claims(email_verified=False))
    user = await storage.accounts.get_user(existing.account.id)
    assert user is not None and user.sso_subject is None
    assert [e.account.username for e in await accounts.list_employees()] == ["alice"]  # nothing created


async def test_an_account_linked_to_another_subject_is_not_taken_by_email(
    storage: Storage, accounts: AccountService
) -> None:
    await sso(storage, accounts).account_for(claims("sub-1"))
    with pytest.raises(SignInRefused):
        await sso(storage, accounts).account_for(claims("sub-2"))


async def test_without_just_in_time_accounts_an_unknown_person_is_refused(
    storage: Storage, accounts: AccountService
) -> None:
    with pytest.raises(SignInRefused, match="ask an administrator"):
        await sso(storage, accounts, create_accounts=False).account_for(claims())
    assert await accounts.list_employees() == []


async def test_a_username_is_never_given_to_a_second_person(storage: Storage, accounts: AccountService) -> None:
    await accounts.create_employee("alice", "other@corp.example", "a long password here")
    employee = await sso(storage, accounts).account_for(claims(email="alice2@corp.example"))
    assert employee.account.username == "alice2"
    third = await sso(storage, accounts).account_for(claims("sub-3", email="a3@corp.example"))
    assert third.account.username == "alice3"


async def test_a_disabled_person_cannot_sign_in(storage: Storage, accounts: AccountService) -> None:
    employee = await sso(storage, accounts).account_for(claims())
    await storage.accounts.set_disabled(employee.account.id, True)
    with pytest.raises(Forbidden):
        await sso(storage, accounts).account_for(claims())


async def test_groups_raise_roles_and_take_back_only_what_they_gave(storage: Storage, accounts: AccountService) -> None:
    single = sso(storage, accounts, admin_groups=("it-admins",), publisher_groups=("comms",))
    await accounts.create_employee("root", "root@corp.example", "a long password here", role=Role.ADMIN)
    employee = await single.account_for(claims(groups=("comms",)))
    assert employee.user.role is Role.PUBLISHER and employee.user.role_from_idp
    employee = await single.account_for(claims(groups=("it-admins", "comms")))
    assert employee.user.role is Role.ADMIN
    employee = await single.account_for(claims(groups=()))
    assert employee.user.role is Role.STAFF and not employee.user.role_from_idp
    # A role an admin granted stays when the provider's groups say nothing of it.
    await accounts.set_role("alice", Role.PUBLISHER)
    employee = await single.account_for(claims(groups=()))
    assert employee.user.role is Role.PUBLISHER
    assert (await audit_actions(storage)).count("account.role") == 3


async def test_a_group_named_like_a_department_makes_a_member(storage: Storage, accounts: AccountService) -> None:
    department = await accounts.create_organisational(AccountKind.DEPARTMENT, "comms", "Communications")
    employee = await sso(storage, accounts).account_for(claims(groups=("Comms", "not-a-department")))
    members = [m.account_id for m in await storage.departments.members(department.id)]
    assert members == [employee.account.id]
    await sso(storage, accounts).account_for(claims(groups=("comms",)))
    assert (await audit_actions(storage)).count("department.member_set") == 1


@pytest.mark.parametrize(("claim", "username"), [
    ("alice", "alice"), ("Alice.Liddell@corp.example", "Alice_Liddell"), ("  ", "user"), (None, "user"),
    ("ünïcode-name", "n_code_name"), ("x" * 40, "x" * 30),
])
def test_usernames_from_claims(claim: str | None, username: str) -> None:
    assert username_from_claim(claim) == username
