"""An employee's email changes in place, and stays unique ignoring case (the staff import updates it)."""

from __future__ import annotations

import pytest

from activitypub.errors import Conflict, NotFound
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def test_set_email_changes_the_sign_in_row(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), new_user("alice@old.example"))

    await storage.accounts.set_email(alice.id, "Alice@new.example")

    user = await storage.accounts.get_user(alice.id)
    assert user is not None
    assert user.email == "Alice@new.example"
    found = await storage.accounts.get_user_by_email("alice@NEW.example")
    assert found is not None
    assert found.account_id == alice.id
    assert await storage.accounts.get_user_by_email("alice@old.example") is None


async def test_set_email_refuses_another_accounts_address_in_any_case(storage: Storage) -> None:
    alice = await storage.accounts.create_local(new_account("alice"), new_user("alice@example.com"))
    await storage.accounts.create_local(new_account("bob"), new_user("bob@example.com"))

    with pytest.raises(Conflict):
        await storage.accounts.set_email(alice.id, "BOB@example.com")


async def test_set_email_of_an_account_without_sign_in_is_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound):
        await storage.accounts.set_email(424242, "nobody@example.com")
