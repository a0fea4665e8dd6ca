"""``directory.employees``: the people directory of the web app, the same on every backend.

Given employees (one disabled), a department, the company and an outside
account; when the directory is read, whole or searched; then it lists only
the enabled local employees, by username, paged by offset, matching the
start of a username, of a display name or of a word in it.
"""

from __future__ import annotations

import pytest

from storage.inbound import RemoteProfile
from storage.models import AccountKind
from storage.protocols import Storage
from tests.storage.factories import new_account, new_user

pytestmark = pytest.mark.anyio


async def colleagues(storage: Storage) -> None:
    for username, name in (("zoe", "Zoë Park"), ("ann", "Ann Lee"), ("bob", "Robert Smith"), ("carl_x", "Carl 100%")):
        await storage.accounts.create_local(new_account(username, display_name=name), new_user(f"{username}@ex.com"))
    gone = await storage.accounts.create_local(new_account("gone"), new_user("gone@ex.com"))
    await storage.accounts.set_disabled(gone.id, True)
    await storage.accounts.create_local(new_account("design", AccountKind.DEPARTMENT, display_name="Ann's team"))
    await storage.accounts.create_local(new_account("acme", AccountKind.COMPANY))
    await storage.accounts.upsert_remote(RemoteProfile(
        uri="https://remote.example/users/annie", username="annie", domain="remote.example", actor_type="Person",
        display_name="Annie Outside", inbox_url="https://remote.example/users/annie/inbox",
        public_key_pem="remote-key", key_id="https://remote.example/users/annie#main-key",
    ))


async def usernames(storage: Storage, query: str, limit: int = 10, offset: int = 0) -> list[str]:
    return [a.username for a in await storage.directory.employees(query, limit=limit, offset=offset)]


async def test_only_enabled_local_employees_by_username(storage: Storage) -> None:
    await colleagues(storage)
    assert await usernames(storage, "") == ["ann", "bob", "carl_x", "zoe"]


async def test_pages_by_offset_without_repeating(storage: Storage) -> None:
    await colleagues(storage)
    assert await usernames(storage, "", limit=2) == ["ann", "bob"]
    assert await usernames(storage, "", limit=2, offset=2) == ["carl_x", "zoe"]
    assert await usernames(storage, "", limit=2, offset=4) == []


async def test_search_matches_username_display_name_and_a_word_of_it(storage: Storage) -> None:
    await colleagues(storage)
    assert await usernames(storage, "AN") == ["ann"]
    assert await usernames(storage, "smith") == ["bob"]
    assert await usernames(storage, "rob") == ["bob"]
    assert await usernames(storage, "park") == ["zoe"]


async def test_search_text_is_never_a_pattern(storage: Storage) -> None:
    await colleagues(storage)
    assert await usernames(storage, "carl_") == ["carl_x"]
    assert await usernames(storage, "c_rl") == []
    assert await usernames(storage, "%") == []
    assert await usernames(storage, "100%") == ["carl_x"]
