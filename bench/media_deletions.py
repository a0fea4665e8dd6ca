"""Throughput of the media deletion queue: queued keys drained by ``MediaDeletionWorker``, in objects per second.

Dataset: N small objects (``media/<token>/original.jpg`` and ``small.jpg``, 2 KB each), stored on the
local store and in a bucket on loopback (moto), their keys queued for removal (``QueuedRemovals``).
The figure: the worker's ``run_once()`` until the queue is empty (claims of 100 under a lease, the
media rows let go of, one ``store.delete`` per batch, the rows dropped), objects divided by wall time.
Baseline in the same process: the same objects deleted straight from the store in batches of 100
(``store.delete``), no queue.

Goal: >= 200 objects/s on each store (a day of deleted posts, thousands of objects, drains in minutes),
and the queue's cost over the bare store <= 3x on the bucket (the store's round trips dominate).

Run: .venv/bin/python bench/media_deletions.py [--objects N] [--database URL-or-path]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    add_database_option,
    backend_of,
    drop_database,
    emit,
    fresh_database,
    is_postgresql,
)
from server.config import load_settings  # noqa: E402
from server.media.s3 import S3MediaStore  # noqa: E402
from server.media.store import LocalMediaStore, MediaStore  # noqa: E402
from server.services.media_removals import MediaDeletionWorker, QueuedRemovals  # noqa: E402
from storage import open_storage  # noqa: E402
from storage.clock import utcnow  # noqa: E402
from tests.s3_server import running_s3_server  # noqa: E402

GOAL = 200.0
GOAL_RATIO = 3.0
BATCH = 100
BODY = b"x" * 2048


def keys_for(label: str, count: int) -> list[str]:
    names = ("original.jpg", "small.jpg")
    return [f"media/{label}{n // 2:010d}xxxxxxxxxxxxxxxxxx/{names[n % 2]}" for n in range(count)]


async def put_all(store: MediaStore, keys: list[str]) -> None:
    gate = asyncio.Semaphore(8)

    async def one(key: str) -> None:
        async with gate:
            await store.put(key, BODY, "image/jpeg")

    await asyncio.gather(*(one(key) for key in keys))


async def drained(store: MediaStore, database: str, keys: list[str]) -> float:
    storage = open_storage(database)
    await storage.open()
    await storage.migrate()
    try:
        await QueuedRemovals(storage).remove(keys)
        worker = MediaDeletionWorker(storage, store, batch=BATCH)
        started = time.perf_counter()
        while await worker.run_once():
            pass
        seconds = time.perf_counter() - started
        assert (await storage.media_deletions.counts(utcnow())).due == 0
    finally:
        await storage.close()
    return seconds


async def direct(store: MediaStore, keys: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(keys), BATCH):
        await store.delete(keys[start:start + BATCH])
    return time.perf_counter() - started


async def measure(store: MediaStore, database: str, count: int) -> tuple[float, float]:
    queued, bare = keys_for("q", count), keys_for("d", count)
    await put_all(store, queued + bare)
    queue_seconds = await drained(store, database, queued)
    bare_seconds = await direct(store, bare)
    for key in queued[:10] + bare[:10]:
        assert await store.read(key) is None, key
    return count / queue_seconds, count / bare_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=4000)
    add_database_option(parser)
    args = parser.parse_args()
    backend = backend_of(args.database)
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="insideout-bench-deletions-") as name, running_s3_server() as s3:
        folder = Path(name)
        environ = {**s3.environ("bench-deletions"), "INSIDEOUT_STORAGE_DATA_DIR": str(folder / "data")}
        stores: dict[str, MediaStore] = {
            "local": LocalMediaStore(folder / "data"),
            "s3": S3MediaStore(load_settings(None, environ=environ, create_dirs=False).media),
        }
        for label, store in stores.items():
            database = fresh_database(args.database, folder, f"deletions_{label}")
            try:
                results[label] = asyncio.run(measure(store, database, args.objects))
            finally:
                if args.database is not None and is_postgresql(args.database):
                    drop_database(args.database, urlsplit(database).path.lstrip("/"))
    print(f"media deletion queue, {args.objects:,} queued objects drained by MediaDeletionWorker"
          f" (batches of {BATCH}), against deleting them straight from the store ({backend}):")
    for label, (queued, bare) in results.items():
        print(f"  {label:5}: {queued:,.0f} objects/s through the queue (goal >= {GOAL:.0f}/s);"
              f" straight from the store {bare:,.0f} objects/s; queue / store = {bare / queued:.2f}x the time")
    print(f"  command: .venv/bin/python bench/media_deletions.py --objects {args.objects}"
          + (f" --database {args.database}" if args.database else ""))
    for label, (queued, bare) in results.items():
        emit(f"media deletions drained ({label})", queued, "objects/s", f">= {GOAL:.0f}/s", backend)
        emit(f"media deletions queue / bare store time ({label})", bare / queued, "x",
             f"<= {GOAL_RATIO:.0f}x" if label == "s3" else "", backend)


if __name__ == "__main__":
    main()
