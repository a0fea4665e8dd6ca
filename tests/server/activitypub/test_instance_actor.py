"""federation.instance_actor: one key per instance, whoever asks first and however many ask at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from activitypub.errors import StorageError
from federation.instance_actor import InstanceActor, load_or_create_instance_actor
from storage import open_storage
from storage.protocols import Storage

pytestmark = pytest.mark.anyio

BASE = "https://social.example.com"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = open_storage(str(tmp_path / "db.sqlite3"))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


async def test_concurrent_first_calls_agree_on_one_key(storage: Storage) -> None:
    results: list[InstanceActor] = []

    async def load() -> None:
        results.append(await load_or_create_instance_actor(storage, BASE))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(load)
    assert len({actor.public_key_pem for actor in results}) == 1
    assert {actor.key_id for actor in results} == {f"{BASE}/actor#main-key"}


async def test_the_base_url_defaults_to_the_one_fixed_at_first_start(storage: Storage) -> None:
    await storage.instance.set_meta("base_url", BASE)
    actor = await load_or_create_instance_actor(storage)
    assert actor.id == f"{BASE}/actor"
    assert "PRIVATE" not in repr(actor)


async def test_without_a_base_url_there_is_no_instance_actor(storage: Storage) -> None:
    with pytest.raises(StorageError):
        await load_or_create_instance_actor(storage)
