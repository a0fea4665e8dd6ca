"""Conformance: SCIM tokens by digest, and the SCIM rows of people and departments, on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest

from activitypub.errors import Conflict
from storage.clock import utcnow
from storage.models import AccountKind
from storage.protocols import Storage
from storage.scim import GroupField, ScimGroupRow, ScimQuery, ScimUserRow, UserField
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


def user_row(account_id: int, user_name: str, *, external_id: str | None = None, email: str | None = None,
             deleted_at: datetime | None = None) -> ScimUserRow:
    now = utcnow()
    return ScimUserRow(account_id=account_id, user_name=user_name, external_id=external_id, email=email,
                       resource="{}", version=1, created_at=now, updated_at=now, deleted_at=deleted_at)


async def employee(storage: Storage, username: str) -> int:
    account = await storage.accounts.create_local(new_account(username), new_user(f"{username}@corp.example"))
    return account.id


async def test_a_token_is_found_by_digest_until_it_is_revoked(storage: Storage) -> None:
    token = await storage.scim.create_token("entra", "digest-1")
    assert token.name == "entra"
    found = await storage.scim.token_by_digest("digest-1")
    assert found is not None
    assert found.id == token.id
    assert await storage.scim.token_by_digest("digest-2") is None
    with pytest.raises(Conflict):
        await storage.scim.create_token("entra", "digest-3")
    await storage.scim.token_used(token.id, utcnow())
    assert (await storage.scim.tokens())[0].last_used_at is not None
    assert await storage.scim.revoke_token("entra")
    assert not await storage.scim.revoke_token("entra")
    assert await storage.scim.token_by_digest("digest-1") is None
    assert (await storage.scim.tokens())[0].revoked_at is not None


async def test_users_are_found_by_name_ignoring_case_and_by_external_id_exactly(storage: Storage) -> None:
    alice, bob = await employee(storage, "alice"), await employee(storage, "bob")
    await storage.scim.add_user(user_row(alice, "Alice@Corp.example", external_id="E-1", email="alice@corp.example"))
    await storage.scim.add_user(user_row(bob, "bob@corp.example", external_id="e-2"))

    by_name = await storage.scim.find_users(ScimQuery(((UserField.USER_NAME, "alice@corp.EXAMPLE"),)))
    assert [row.account_id for row in by_name.rows] == [alice]
    assert (await storage.scim.find_users(ScimQuery(((UserField.EXTERNAL_ID, "e-1"),)))).total == 0
    by_email = await storage.scim.find_users(ScimQuery(((UserField.EMAIL, "ALICE@corp.example"),)))
    assert [row.account_id for row in by_email.rows] == [alice]
    both = await storage.scim.find_users(ScimQuery(((UserField.ID, str(bob)), (UserField.EXTERNAL_ID, "e-2"))))
    assert [row.account_id for row in both.rows] == [bob]
    assert (await storage.scim.find_users(ScimQuery(((UserField.ID, "1 OR 1=1"),)))).total == 0
    everyone = await storage.scim.find_users(ScimQuery(limit=1))
    assert everyone.total == 2
    assert len(everyone.rows) == 1


async def test_injection_shaped_values_are_only_values(storage: Storage) -> None:
    alice = await employee(storage, "alice")
    await storage.scim.add_user(user_row(alice, "alice"))
    for value in ("' OR '1'='1", "alice'; DROP TABLE scim_users; --", '" or ""="', "%", "_lice"):
        assert (await storage.scim.find_users(ScimQuery(((UserField.USER_NAME, value),)))).total == 0
    assert (await storage.scim.find_users(ScimQuery())).total == 1


async def test_a_deleted_user_is_kept_but_its_user_name_is_free_again(storage: Storage) -> None:
    alice, newcomer = await employee(storage, "alice"), await employee(storage, "alice2")
    await storage.scim.add_user(user_row(alice, "alice"))
    with pytest.raises(Conflict):
        await storage.scim.add_user(user_row(newcomer, "ALICE"))
    await storage.scim.update_user(user_row(alice, "alice", deleted_at=utcnow()))

    await storage.scim.add_user(user_row(newcomer, "alice"))

    kept = await storage.scim.user(alice)
    assert kept is not None
    assert kept.deleted_at is not None
    assert kept.version == 2
    live = await storage.scim.find_users(ScimQuery(((UserField.USER_NAME, "alice"),)))
    assert [row.account_id for row in live.rows] == [newcomer]
    assert await storage.scim.live_user_ids([alice, newcomer]) == frozenset({newcomer})


async def test_groups_are_found_by_display_name_and_external_id(storage: Storage) -> None:
    sales = await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))
    now = utcnow()
    await storage.scim.add_group(ScimGroupRow(account_id=sales.id, display_name="Sales", external_id="G-1",
                                              resource="{}", version=1, created_at=now, updated_at=now))
    found = await storage.scim.find_groups(ScimQuery(((GroupField.DISPLAY_NAME, "SALES"),)))
    assert [row.account_id for row in found.rows] == [sales.id]
    assert (await storage.scim.find_groups(ScimQuery(((GroupField.EXTERNAL_ID, "g-1"),)))).total == 0
    row = await storage.scim.group(sales.id)
    assert row is not None
    await storage.scim.update_group(ScimGroupRow(account_id=sales.id, display_name="Sales EU", external_id="G-1",
                                                 resource='{"x": 1}', version=row.version, created_at=row.created_at,
                                                 updated_at=utcnow()))
    updated = await storage.scim.group(sales.id)
    assert updated is not None
    assert updated.display_name == "Sales EU"
    assert updated.version == 2
