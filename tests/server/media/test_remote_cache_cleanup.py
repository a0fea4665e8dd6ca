"""Cached partner media nobody fetched for ``[media] remote_cache_days`` leave the store and come back on demand.

Given a remote post whose photo staff looked at (so the proxy fetched and cached it); when the
clean-up runs after the configured days, then the photo's objects are gone from the store (local
directory or bucket alike), its row is pending again, the prefetch worker leaves it alone, and the
next look fetches it from the partner once more. Two clean-ups at once remove each file once; a store
that fails leaves the file cached until a later run; ``0`` days keeps everything; the ``media``
queue runs the clean-up; ``insideout media remove-remote`` does the same from the command line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from activitypub.errors import MediaStoreUnavailable
from server.background import workers_for
from server.cli import main
from server.config import MediaSettings
from server.mastodon.remote_media import media_cache_for
from server.media.s3 import S3MediaStore
from server.media.store import MediaStore
from server.media.stores import build_media_store
from server.services.remote_cache_cleanup import RemoteCacheCleanup
from server.services.remote_media import RemoteMediaWorker
from storage import open_storage
from storage.models import FollowState
from storage.remote_media import CachedFile, RemoteFileState
from tests.federation.inbound_helpers import BASE_URL, plain_actor
from tests.s3_server import ACCESS_KEY, SECRET_KEY, media_store_environ
from tests.server.api.partner import Partner, Running, jpeg_with_exif, running
from tests.server.helpers import bearer, settings_for, staff_token
from tests.server.media_objects import stored_keys

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("on_each_media_store")]

BOB = "https://remote.example/users/bob"
PHOTO = "https://cdn.remote.example/media/photo.jpg"
ACTOR = plain_actor(BOB)
LATER = timedelta(days=8)


def partner_with_bob() -> Partner:
    partner = Partner()
    partner.json(BOB, ACTOR)
    partner.file(PHOTO, jpeg_with_exif(), "image/jpeg")
    return partner


def create_note(n: int) -> dict[str, Any]:
    note = {
        "id": f"{BOB}/statuses/{n}", "type": "Note", "attributedTo": BOB, "content": "<p>Look</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{BOB}/followers"],
        "published": "2024-05-01T10:00:00Z", "attachment": [{"type": "Document", "mediaType": "image/jpeg",
                                                             "url": PHOTO}],
    }
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{BOB}/statuses/{n}/activity",
            "type": "Create", "actor": BOB, "object": note, "to": note["to"], "cc": note["cc"]}


async def looked_at_photo(world: Running) -> tuple[str, str]:
    """A staff member follows bob, bob posts a photo, the staff member loads it: (proxy path, token)."""
    token = await staff_token(world.app, "alice")
    alice = await world.state.storage.accounts.get_local("alice")
    from server.activitypub.inbound import inbound_for

    bob = await inbound_for(world.app).actors.resolve(BOB)
    await world.state.storage.follows.follow(alice.id, bob.id, FollowState.ACCEPTED)
    note = await world.deliver(create_note(1), ACTOR["publicKey"]["id"])
    assert note is not None
    status = (await world.client.get(f"/api/v1/statuses/{note.rsplit(' ', 1)[1]}", headers=bearer(token))).json()
    path = status["media_attachments"][0]["url"][len(BASE_URL):]
    first = await world.client.get(path)
    assert first.status_code == 200
    return path, path.split("/")[-2]


def cleanup(world: Running, days: int = 7, *, store: MediaStore | None = None,
            at: timedelta = LATER) -> RemoteCacheCleanup:
    return RemoteCacheCleanup(world.state.storage, store or world.state.services.media_store, days,
                              clock=lambda: datetime.now(UTC) + at)


async def test_an_old_cached_photo_leaves_the_store_and_is_fetched_again_on_the_next_look(tmp_path: Path) -> None:
    partner = partner_with_bob()
    async with running(tmp_path, partner) as world:
        path, token = await looked_at_photo(world)
        assert len(await stored_keys(world.app, "cache/remote/")) == 2  # the original and the small copy

        removed = await cleanup(world).run_once()

        assert removed == 1
        assert await stored_keys(world.app, "cache/remote/") == []
        row = await world.state.storage.remote_files.get(token)
        assert row is not None
        assert row.state is RemoteFileState.PENDING
        assert await RemoteMediaWorker(world.state.storage, media_cache_for(world.app)).run_once() == 0
        assert partner.hits(PHOTO) == 1

        again = await world.client.get(path)

        assert again.status_code == 200
        assert partner.hits(PHOTO) == 2
        assert len(await stored_keys(world.app, "cache/remote/")) == 2


async def test_a_photo_fetched_within_the_days_is_kept(tmp_path: Path) -> None:
    async with running(tmp_path, partner_with_bob()) as world:
        await looked_at_photo(world)

        assert await cleanup(world, at=timedelta(days=6)).run_once() == 0
        assert await cleanup(world, 0).run_once() == 0  # 0 days: kept for ever

        assert len(await stored_keys(world.app, "cache/remote/")) == 2


async def test_two_clean_ups_at_once_remove_each_file_once(tmp_path: Path) -> None:
    async with running(tmp_path, partner_with_bob()) as world:
        await looked_at_photo(world)

        counts = await asyncio.gather(cleanup(world).run_once(), cleanup(world).run_once())

        assert sorted(counts) == [0, 1]
        assert await stored_keys(world.app, "cache/remote/") == []


async def test_a_store_that_fails_leaves_the_photo_cached_until_a_later_run(tmp_path: Path) -> None:
    async with running(tmp_path, partner_with_bob()) as world:
        path, token = await looked_at_photo(world)
        down = S3MediaStore(MediaSettings(storage="s3", s3_endpoint="http://127.0.0.1:9", s3_bucket="down",
                                          s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
                                          s3_path_style=True))

        with pytest.raises(MediaStoreUnavailable):
            await cleanup(world, store=down).run_once()

        row = await world.state.storage.remote_files.get(token)
        assert row is not None
        assert row.state is RemoteFileState.CACHED
        assert (await world.client.get(path)).status_code == 200
        assert await cleanup(world).run_once() == 0  # claimed by the failed run until its lease runs out
        assert await cleanup(world, at=LATER + timedelta(minutes=6)).run_once() == 1
        assert await stored_keys(world.app, "cache/remote/") == []


async def test_the_media_queue_runs_the_clean_up_unless_days_are_0(tmp_path: Path) -> None:
    async with running(tmp_path, Partner()) as world:
        names = [worker.name for worker in workers_for(world.app, ["media"])]
    async with running(tmp_path / "kept", Partner(), INSIDEOUT_MEDIA_REMOTE_CACHE_DAYS="0") as world:
        kept = [worker.name for worker in workers_for(world.app, ["media"])]

    assert "remote-cache-cleanup" in names
    assert "remote-cache-cleanup" not in kept


# --- insideout media remove-remote -------------------------------------------------------------------


@pytest.fixture
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


async def cached_files(tmp_path: Path, fetched: dict[str, datetime]) -> None:
    """Files cached at the given times, with their objects in the store of the run."""
    settings = settings_for(tmp_path)
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await storage.migrate()
        store = build_media_store(settings)
        for letter, at in fetched.items():
            token = letter * 32
            await storage.remote_files.register_images({f"https://cdn.example/{letter}.png": (token, "cdn.example")})
            now = datetime.now(UTC) + timedelta(seconds=1)
            assert await storage.remote_files.lease(token, now, now + timedelta(minutes=5)) is not None
            assert await storage.remote_files.mark_cached(
                token, now + timedelta(minutes=5), CachedFile("original.webp", "small.webp", 8, 6, 4, 3, "L00000"), at)
            await store.put(f"cache/remote/{token}/original.webp", b"original " + letter.encode(), "image/webp")
            await store.put(f"cache/remote/{token}/small.webp", b"small " + letter.encode(), "image/webp")
    finally:
        await storage.close()


async def keys_left(tmp_path: Path) -> list[str]:
    store = build_media_store(settings_for(tmp_path))
    return sorted([info.key async for info in store.keys("cache/remote/")])


@pytest.mark.usefixtures("_restore_logging")
def test_remove_remote_clears_what_was_not_fetched_for_the_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    asyncio.run(cached_files(tmp_path, {"a": now - timedelta(days=20), "b": now - timedelta(days=10),
                                        "c": now - timedelta(days=1)}))
    settings = settings_for(tmp_path)
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", settings.storage.database)
    for name, value in media_store_environ(tmp_path).items():
        monkeypatch.setenv(name, value)

    kept_all = main(["media", "remove-remote", "--days", "0"])
    kept_out = capsys.readouterr().out
    fourteen = main(["media", "remove-remote", "--days", "14"])
    fourteen_out = capsys.readouterr().out
    default = main(["media", "remove-remote"])
    default_out = capsys.readouterr().out

    assert (kept_all, fourteen, default) == (0, 0, 0)
    assert kept_out.startswith("Nothing removed: 0 days keeps every cached partner file")
    assert fourteen_out.startswith("Removed 1 cached partner files (2 objects) not fetched for 14 days")
    assert default_out.startswith("Removed 1 cached partner files (2 objects) not fetched for 7 days")
    assert asyncio.run(keys_left(tmp_path)) == [f"cache/remote/{'c' * 32}/original.webp",
                                               f"cache/remote/{'c' * 32}/small.webp"]


def test_remove_remote_refuses_a_bad_number_of_days(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(["media", "remove-remote", "--days", "-1"])

    assert exit_code.value.code == 2
    assert "a number of days from 0 to 3650" in capsys.readouterr().err
