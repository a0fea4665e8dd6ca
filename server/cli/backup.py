"""``insideout backup DEST``: an online-consistent copy of the database and the data dir.

With ``[media] storage = "s3"`` the bucket's media objects are copied too, into ``DEST/data`` at
the paths a local store keeps them at, so the backup restores onto either store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.config import Settings
from server.media.store import PREFIXES
from server.media.stores import build_media_store

DATABASE_NAME = "insideout.sqlite3"
WARNING = (
    "warning: this backup holds the private keys of every account; anyone with it can sign as your"
    " organisation. Store it as carefully as the server itself."
)


def register(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "backup", backup, "copy the database (via SQLite's backup API) and the data dir to DEST",
        access=Access.READS,
    )
    parser.add_argument("destination", metavar="DEST", help="a new or empty directory")


async def backup(args: argparse.Namespace, settings: Settings) -> int:
    destination = Path(args.destination)
    _prepare_destination(destination)
    print(WARNING, file=sys.stderr)
    async with opened_storage(settings) as storage:
        await storage.backup(destination / DATABASE_NAME, progress=_show_progress)
    print(file=sys.stderr)
    copied = _copy_data_dir(settings, destination / "data")
    if settings.media.storage != "local":
        copied += await _copy_media_store(settings, destination / "data")
    print(f"Backed up the database and {copied} files to {destination}")
    return 0


def _prepare_destination(destination: Path) -> None:
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise CommandFailed(f"{destination} exists and is not an empty directory")
    try:
        destination.mkdir(parents=True, exist_ok=True)
        os.chmod(destination, 0o700)
    except OSError as exc:
        raise CommandFailed(f"cannot create {destination}: {exc.strerror}") from None


def _show_progress(status: int, remaining: int, total: int) -> None:
    done = total - remaining
    print(f"\rdatabase: {done}/{total} pages ({done * 100 // max(total, 1)}%)", end="", file=sys.stderr, flush=True)


async def _copy_media_store(settings: Settings, target: Path) -> int:
    """Every media object of the bucket, written where the local store would keep it."""
    store = build_media_store(settings)
    copied = 0
    for prefix in PREFIXES:
        async for info in store.keys(prefix):
            data = await store.read(info.key)
            if data is None:
                continue  # removed since it was listed
            (target / info.key).parent.mkdir(parents=True, exist_ok=True)
            (target / info.key).write_bytes(data)
            copied += 1
            print(f"\rmedia ({store.describe()}): {copied} objects", end="", file=sys.stderr, flush=True)
    if copied:
        print(file=sys.stderr)
    return copied


def _copy_data_dir(settings: Settings, target: Path) -> int:
    """Copy media and other files, leaving out the live database (it was copied consistently above)."""
    source = settings.data_dir.resolve()
    database = Path(settings.storage.database).resolve()
    skip = {database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")}
    files = [path for path in source.rglob("*") if path.is_file() and path.resolve() not in skip]
    for index, path in enumerate(files, 1):
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        print(f"\rdata: {index}/{len(files)} files", end="", file=sys.stderr, flush=True)
    if files:
        print(file=sys.stderr)
    target.mkdir(exist_ok=True)
    return len(files)
