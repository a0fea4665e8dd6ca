"""A process serves only a schema its code agrees with, and processes starting together don't race."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from activitypub.errors import StorageError
from server.bootstrap import ensure_first_admin, prepare_instance
from server.passwords import Passwords
from storage import open_storage
from tests.server.helpers import settings_for

pytestmark = pytest.mark.anyio


async def test_without_auto_migrate_an_old_schema_is_refused_not_changed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, INSIDEOUT_STORAGE_AUTO_MIGRATE="false")
    (tmp_path / "data").mkdir(exist_ok=True)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        with pytest.raises(StorageError, match="older than this version") as refused:
            await prepare_instance(settings, storage)
        assert "insideout db migrate" in str(refused.value.detail)
        assert await storage.pending_migrations()  # nothing was applied behind the operator's back
        # Once migrated by the operator, the same settings serve
        await storage.migrate()
        await prepare_instance(settings, storage)
    finally:
        await storage.close()


async def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        await storage.instance.set_meta("probe", "x")  # any write, to show the database is writable
        await storage.database.execute(  # type: ignore[attr-defined]
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 'x')"
        )
        with pytest.raises(StorageError, match="newer than this version"):
            await prepare_instance(settings, storage)
    finally:
        await storage.close()


async def test_processes_starting_together_create_one_company_and_one_first_admin(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    (tmp_path / "data").mkdir(exist_ok=True)
    stores = [open_storage(settings.storage.database) for _ in range(4)]
    for store in stores:
        await store.open()
    try:
        await asyncio.gather(*(prepare_instance(settings, store) for store in stores))
        admins = await asyncio.gather(*(ensure_first_admin(settings, store, Passwords()) for store in stores))
        assert sum(1 for admin in admins if admin is not None) == 1
        assert len(await stores[0].accounts.list_users()) == 1
    finally:
        for store in stores:
            await store.close()
