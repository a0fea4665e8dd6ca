"""``insideout export FILE`` and ``insideout import FILE``: move a whole instance to another database.

The way from SQLite to PostgreSQL (or back): export the live instance,
run ``insideout db migrate`` against the new database (never ``serve``:
it would create accounts, and the import only goes into an empty
database), import, then point the config at the new database. Media files
stay in the data directory; copy that directory along.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.config import Settings
from storage import open_storage
from storage.transfer import Summary, export_database, import_database

WARNING = (
    "warning: the export holds the private keys and password hashes of every account;"
    " keep it as carefully as the server itself, and delete it once imported."
)
BAR_WIDTH = 30


def register(subparsers: Any) -> None:
    exporting = add_command(
        subparsers, "export", export,
        "write the database to a portable FILE, consistently even while serving (media stay in the data dir)",
        access=Access.READS,
    )
    exporting.add_argument("file", metavar="FILE", help="a new file")
    exporting.add_argument("--quiet", action="store_true", help="no progress or summary on standard error")
    importing = add_command(
        subparsers, "import", import_,
        "load an export, all or nothing, into a new database: `insideout db migrate` it first, never `serve`",
    )
    importing.add_argument("file", metavar="FILE", help="a file written by `insideout export`")
    importing.add_argument("--quiet", action="store_true", help="no progress or summary on standard error")


async def export(args: argparse.Namespace, settings: Settings) -> int:
    destination = Path(args.file)
    if destination.exists():
        raise CommandFailed(f"{destination} exists; give the name of a new file")
    bar = ProgressBar(sys.stderr, quiet=args.quiet)
    # Not migrated first: an export reads the database as it is, and records its schema version.
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        pending = await storage.pending_migrations()
        if pending:
            raise CommandFailed(
                f"the database has {len(pending)} pending migrations: run `insideout db migrate` before exporting"
            )
        print(WARNING, file=sys.stderr)
        with bar:
            summary = await export_database(storage, destination, bar.update)
    finally:
        await storage.close()
    bar.summary("exported", summary, destination)
    return 0


async def import_(args: argparse.Namespace, settings: Settings) -> int:
    source = Path(args.file)
    bar = ProgressBar(sys.stderr, quiet=args.quiet)
    async with opened_storage(settings) as storage:
        with bar:
            summary = await import_database(storage, source, bar.update)
    bar.summary("imported", summary, source)
    return 0


class ProgressBar:
    """One line per table, redrawn in place at most ``1 / interval`` times a second."""

    def __init__(
        self, stream: TextIO, *, quiet: bool = False, interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic, unit: str = "rows",
    ) -> None:
        self.stream = stream
        self.quiet = quiet
        self.unit = unit
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._table: str | None = None
        self._finished: str | None = None
        self._drawn_at = 0.0
        self._open_line = False

    def __enter__(self) -> ProgressBar:
        self.started = self.clock()
        return self

    def __exit__(self, *exc: object) -> None:
        # An error message must start on a line of its own.
        self._end_line()

    def update(self, table: str, done: int, total: int) -> None:
        if self.quiet:
            return
        now = self.clock()
        finished = done >= total
        if finished and table == self._finished:
            return
        if table != self._table:
            self._end_line()
            self._table = table
        elif not finished and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        percent = 100 if total == 0 else done * 100 // total
        filled = BAR_WIDTH * percent // 100
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{table:<28} [{bar}] {done}/{total} {self.unit} ({percent}%)")
        self._open_line = True
        if finished:
            self._finished = table
            self._end_line()
        self.stream.flush()

    def summary(self, verb: str, summary: Summary, path: Path) -> None:
        if self.quiet:
            return
        seconds = self.clock() - self.started
        self.stream.write(
            f"{verb} {summary.tables} tables, {summary.rows} rows (schema version {summary.schema_version})"
            f" in {seconds:.1f} s: {path}\n"
        )
        self.stream.flush()

    def _end_line(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False
