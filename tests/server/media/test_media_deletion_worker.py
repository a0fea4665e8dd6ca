"""The stored queue of media deletions, drained by its worker, on the local store and on a real S3 bucket.

Given objects in a store and their keys queued for removal; when the worker runs; then due objects are
gone and their rows with them. A store that is down keeps every row, with its error, due again after an
exponential backoff; once the store is back, the objects go.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.config import MediaSettings
from server.media.s3 import S3MediaStore
from server.media.store import LocalMediaStore, MediaStore
from server.services.media_removals import MediaDeletionWorker, QueuedRemovals, retry_delay
from storage import open_storage
from storage.media import NewMedia
from storage.models import AccountKind, NewAccount, NewStatus, Visibility
from storage.protocols import Storage
from tests.backends import fresh_database
from tests.s3_server import ACCESS_KEY, SECRET_KEY, S3Server, key_prefix_for

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
TOKEN = "A" * 32
ORIGINAL = f"media/{TOKEN}/original.jpg"
SMALL = f"media/{TOKEN}/small.jpg"
AVATAR = f"accounts/{'B' * 32}/avatar.png"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def s3_settings(server: S3Server, prefix: str, **changes: object) -> MediaSettings:
    values: dict[str, object] = dict(
        storage="s3", s3_endpoint=server.endpoint, s3_bucket=server.bucket, s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY, s3_prefix=prefix, s3_path_style=True,
    )
    values.update(changes)
    return MediaSettings.model_validate(values)


@pytest.fixture(params=["local", "s3"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if kind == "local":
        return LocalMediaStore(tmp_path / "data")
    server: S3Server = request.getfixturevalue("s3_server")
    return S3MediaStore(s3_settings(server, key_prefix_for(tmp_path)))


@pytest.fixture(params=["local", "s3 without its bucket", "s3 not answering"])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[MediaStore, MediaStore]:
    """A store, and the same store down: its data folder a file, its bucket missing, or its server silent."""
    if request.param == "local":
        (tmp_path / "data-on-a-file").write_bytes(b"")
        return LocalMediaStore(tmp_path / "data"), LocalMediaStore(tmp_path / "data-on-a-file")
    server: S3Server = request.getfixturevalue("s3_server")
    prefix = key_prefix_for(tmp_path)
    if request.param == "s3 without its bucket":
        down = s3_settings(server, prefix, s3_bucket="no-such-bucket")
    else:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            down = s3_settings(server, prefix, s3_endpoint=f"http://127.0.0.1:{probe.getsockname()[1]}")
    return S3MediaStore(s3_settings(server, prefix)), S3MediaStore(down)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = open_storage(fresh_database(tmp_path, "queue.sqlite3"))
    await opened.open()
    await opened.migrate()
    try:
        yield opened
    finally:
        await opened.close()


async def put_all(store: MediaStore, *keys: str) -> None:
    for key in keys:
        await store.put(key, b"bytes of " + key.encode(), "image/jpeg")


async def test_due_objects_are_deleted_and_their_rows_dropped(storage: Storage, store: MediaStore) -> None:
    clock = Clock(T0)
    await put_all(store, ORIGINAL, SMALL, AVATAR)
    await QueuedRemovals(storage, clock=clock).remove([ORIGINAL, SMALL, AVATAR])

    handled = await MediaDeletionWorker(storage, store, clock=clock).run_once()

    assert handled == 3
    assert await store.read(ORIGINAL) is None
    assert await store.read(SMALL) is None
    assert await store.read(AVATAR) is None
    assert await storage.media_deletions.get(ORIGINAL) is None
    assert await MediaDeletionWorker(storage, store, clock=clock).run_once() == 0


async def test_a_removal_not_due_yet_waits(storage: Storage, store: MediaStore) -> None:
    clock = Clock(T0)
    await put_all(store, AVATAR)
    await QueuedRemovals(storage, clock=clock).remove_at([AVATAR], T0 + timedelta(hours=1))
    worker = MediaDeletionWorker(storage, store, clock=clock)

    assert await worker.run_once() == 0
    assert await store.read(AVATAR) is not None

    clock.now = T0 + timedelta(hours=1)
    assert await worker.run_once() == 1
    assert await store.read(AVATAR) is None


async def test_a_store_that_is_down_keeps_the_rows_with_the_error_until_it_is_back(
    storage: Storage, outage: tuple[MediaStore, MediaStore]
) -> None:
    store, broken_store = outage
    clock = Clock(T0)
    await put_all(store, ORIGINAL, AVATAR)
    await QueuedRemovals(storage, clock=clock).remove([ORIGINAL, AVATAR])
    down = MediaDeletionWorker(storage, broken_store, clock=clock)

    # When the store refuses: the rows stay, with the error, due again in a minute, then two.
    assert await down.run_once() == 2
    row = await storage.media_deletions.get(AVATAR)
    assert row is not None
    assert row.attempts == 1
    assert row.due_at == T0 + timedelta(minutes=1)
    assert row.locked_until is None
    assert row.last_error is not None
    assert row.last_error.startswith(("DELETE", "deleting"))
    clock.now = T0 + timedelta(seconds=59)
    assert await down.run_once() == 0
    clock.now = T0 + timedelta(minutes=1)
    assert await down.run_once() == 2
    again = await storage.media_deletions.get(AVATAR)
    assert again is not None and again.attempts == 2 and again.due_at == T0 + timedelta(minutes=3)
    counts = await storage.media_deletions.counts(clock.now)
    assert (counts.due, counts.waiting, counts.failing) == (0, 2, 2)
    assert await store.read(AVATAR) is not None

    # Then, the store back: the objects go, and the rows with them.
    clock.now = T0 + timedelta(minutes=3)
    assert await MediaDeletionWorker(storage, store, clock=clock).run_once() == 2
    assert await store.read(ORIGINAL) is None
    assert await store.read(AVATAR) is None
    assert await storage.media_deletions.get(AVATAR) is None
    assert (await storage.media_deletions.counts(clock.now)).failing == 0


def test_the_backoff_doubles_from_a_minute_up_to_six_hours_and_never_stops() -> None:
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(2) == timedelta(minutes=2)
    assert retry_delay(5) == timedelta(minutes=16)
    assert retry_delay(9) == timedelta(hours=4, minutes=16)
    assert retry_delay(10) == timedelta(hours=6)
    assert retry_delay(10_000) == timedelta(hours=6)


async def test_a_medium_a_redraft_took_back_keeps_its_objects(storage: Storage, store: MediaStore) -> None:
    clock = Clock(T0)
    alice = await storage.accounts.create_local(NewAccount(AccountKind.EMPLOYEE, "alice", "Alice", "pub", "priv"))
    taken, left = TOKEN, "C" * 32
    for token in (taken, left):
        await put_all(store, f"media/{token}/original.jpg", f"media/{token}/small.jpg")
    media = [await storage.media.create(NewMedia(alice.id, "image", token, "original.jpg", "small.jpg",
                                                 "image/jpeg", None, (0.0, 0.0), "L", {})) for token in (taken, left)]
    first = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="first"))
    await storage.media.attach(first.id, alice.id, [m.id for m in media])
    removals = QueuedRemovals(storage, clock=clock)
    await storage.statuses.delete(first.id)
    await removals.status_deleted(first.id, alice.id, at_once=False)

    # A redraft takes the first medium back within the day.
    redraft = await storage.statuses.create(NewStatus(alice.id, Visibility.PUBLIC, text="again"))
    assert await storage.media.attach(redraft.id, alice.id, [media[0].id]) == 1
    clock.now = T0 + timedelta(hours=23)
    worker = MediaDeletionWorker(storage, store, clock=clock)
    assert await worker.run_once() == 0
    clock.now = T0 + timedelta(hours=24)

    assert await worker.run_once() == 4

    assert await store.read(f"media/{taken}/original.jpg") is not None
    assert await store.read(f"media/{taken}/small.jpg") is not None
    assert await store.read(f"media/{left}/original.jpg") is None
    assert await store.read(f"media/{left}/small.jpg") is None
    assert await storage.media.get(media[0].id) is not None
    assert await storage.media.get(media[1].id) is None
    assert await storage.media_deletions.get(f"media/{taken}/original.jpg") is None


async def test_a_key_that_is_not_a_media_key_is_refused_before_anything_is_queued(storage: Storage) -> None:
    with pytest.raises(ValueError):
        await QueuedRemovals(storage).remove([AVATAR, "../etc/passwd"])
    assert await storage.media_deletions.get(AVATAR) is None
