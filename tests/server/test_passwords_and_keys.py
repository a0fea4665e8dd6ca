"""Argon2id password hashes, and actor keys that survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from activitypub.errors import InvalidInput
from activitypub.signatures import (
    SignedRequest,
    load_private_key_pem,
    load_public_key_pem,
    sign_cavage,
    verify_request,
)
from server.passwords import Passwords
from server.services.accounts import AccountService
from storage import open_storage

pytestmark = pytest.mark.anyio


async def test_hashes_are_argon2id_salted_and_verify_only_the_right_password() -> None:
    passwords = Passwords()
    first = await passwords.hash("correct horse battery")
    second = await passwords.hash("correct horse battery")

    assert first.startswith("$argon2id$") and first != second
    assert await passwords.verify(first, "correct horse battery")
    assert not await passwords.verify(first, "Correct horse battery")
    assert not await passwords.verify("not a hash", "correct horse battery")
    assert not await passwords.verify(first, "x" * 5000)
    assert not passwords.needs_rehash(first)


@pytest.mark.parametrize("password", ["", "short", "x" * 1025])
async def test_weak_or_absurd_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput):
        await Passwords().hash(password)


async def test_keys_survive_a_restart_and_still_sign(tmp_path: Path) -> None:
    database = str(tmp_path / "keys.sqlite3")
    storage = open_storage(database)
    await storage.open()
    await storage.migrate()
    employee = await AccountService(storage, Passwords()).create_employee("alice", "a@example.com", "long password")
    await storage.close()

    reopened = open_storage(database)
    await reopened.open()
    account = await reopened.accounts.get(employee.account.id)
    await reopened.close()

    assert account is not None and account.private_key_pem is not None
    assert (account.public_key_pem, account.private_key_pem) == (
        employee.account.public_key_pem,
        employee.account.private_key_pem,
    )
    private_key = load_private_key_pem(account.private_key_pem)
    assert private_key.key_size == 2048  # type: ignore[union-attr]
    url = "https://remote.example/inbox"
    body = b'{"type":"Follow"}'
    headers = {"Host": "remote.example", "Content-Type": "application/activity+json"}
    headers.update(sign_cavage("POST", url, headers, body, "https://us.example/users/alice#main-key", private_key))
    result = verify_request(SignedRequest.build("POST", url, headers, body), load_public_key_pem(account.public_key_pem))
    assert result.ok, result
