"""Accounts: one table and one username namespace for employees, departments and the company."""

from __future__ import annotations

import pytest

from activitypub.errors import Conflict, NotFound
from storage.models import AccountKind, ProfileChanges, Role
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_created_employee_reads_back_with_its_sign_in_row(storage: Storage) -> None:
    account = await storage.accounts.create_local(new_account("alice"), new_user("alice@example.com", Role.ADMIN))

    fetched = await storage.accounts.get(account.id)
    user = await storage.accounts.get_user(account.id)

    assert fetched == account
    assert account.kind is AccountKind.EMPLOYEE and account.is_local and account.acct == "alice"
    assert account.private_key_pem == "private-alice" and account.public_key_pem == "public-alice"
    assert not account.exposed and account.public_note == "" and account.created_at == account.updated_at
    assert user is not None and user.email == "alice@example.com" and user.role is Role.ADMIN
    assert not user.disabled


async def test_usernames_are_unique_across_kinds_ignoring_case(storage: Storage) -> None:
    await storage.accounts.create_local(new_account("sales", AccountKind.DEPARTMENT))

    with pytest.raises(Conflict):
        await storage.accounts.create_local(new_account("Sales"), new_user("s@example.com"))
    with pytest.raises(Conflict):
        await storage.accounts.create_local(new_account("SALES", AccountKind.COMPANY))

    assert [a.username for a in await storage.accounts.list_local()] == ["sales"]


async def test_a_failed_user_insert_leaves_no_account_behind(storage: Storage) -> None:
    await storage.accounts.create_local(new_account("alice"), new_user("same@example.com"))

    with pytest.raises(Conflict):
        await storage.accounts.create_local(new_account("bob"), new_user("SAME@example.com"))

    assert await storage.accounts.get_local("bob") is None


async def test_lookup_is_case_insensitive_and_by_kind(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("Alice"), new_user("a@example.com"))
    await storage.accounts.create_local(new_account("eng", AccountKind.DEPARTMENT))

    assert await storage.accounts.get_local("alice") == alice
    assert await storage.accounts.get_local("nobody") is None
    assert await storage.accounts.get(123456789) is None
    departments = await storage.accounts.list_local(AccountKind.DEPARTMENT)
    assert [d.username for d in departments] == ["eng"]
    assert (await storage.accounts.get_user_by_email("A@EXAMPLE.COM")) == await storage.accounts.get_user(alice.id)


async def test_profile_changes_touch_only_given_fields(storage: Storage) -> None:
    account = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com"))

    updated = await storage.accounts.update_profile(
        account.id, ProfileChanges(note="internal bio", public_note="public bio", exposed=True)
    )

    assert (updated.note, updated.public_note, updated.exposed) == ("internal bio", "public bio", True)
    assert updated.display_name == account.display_name
    assert updated.updated_at >= account.updated_at
    with pytest.raises(NotFound):
        await storage.accounts.update_profile(42, ProfileChanges(note="x"))


async def test_roles_disabling_and_passwords(storage: Storage) -> None:
    account = await storage.accounts.create_local(new_account("alice"), new_user("a@example.com", Role.ADMIN))
    assert await storage.accounts.count_admins() == 1

    await storage.accounts.set_role(account.id, Role.PUBLISHER)
    await storage.accounts.set_password_hash(account.id, "new-hash")
    await storage.accounts.set_disabled(account.id, True)

    user = await storage.accounts.get_user(account.id)
    assert user is not None
    assert (user.role, user.password_hash, user.disabled) == (Role.PUBLISHER, "new-hash", True)
    assert await storage.accounts.count_admins() == 0
    with pytest.raises(NotFound):
        await storage.accounts.set_role(999, Role.ADMIN)


async def test_list_users_joins_accounts_in_username_order(storage: Storage) -> None:
    await storage.accounts.create_local(new_account("zed"), new_user("z@example.com"))
    await storage.accounts.create_local(new_account("amy"), new_user("a@example.com"))
    await storage.accounts.create_local(new_account("dept", AccountKind.DEPARTMENT))

    pairs = await storage.accounts.list_users()

    assert [(a.username, u.email) for a, u in pairs] == [("amy", "a@example.com"), ("zed", "z@example.com")]
    assert all(a.id == u.account_id for a, u in pairs)


async def test_keys_can_be_rotated(storage: Storage) -> None:
    account = await storage.accounts.create_local(new_account("alice"))

    await storage.accounts.set_keys(account.id, "public-2", "private-2")

    rotated = await storage.accounts.get(account.id)
    assert rotated is not None and (rotated.public_key_pem, rotated.private_key_pem) == ("public-2", "private-2")
