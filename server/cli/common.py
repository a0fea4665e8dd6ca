"""What every command shares: settings, storage, one-line errors with exit code 2.

Each command says what it does with the database (``Access``): a command that
only reads it (``list``, ``members``, ``queue``, ``audit``, ``db check``,
``export``, ``backup``, a dry run) fails when a SQLite database is missing,
naming the path it looked at, and creates no file nor folder; only a command
that writes (``serve``, ``db migrate``, ``create``...) creates the database.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from enum import Enum
from typing import Any

from activitypub.errors import InsideoutError
from server.config import Settings, load_settings
from server.logs import configure_logging
from storage import open_storage
from storage.protocols import Storage

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]
log = logging.getLogger("insideout.cli")


class Access(Enum):
    """What a command does with the database."""

    WRITES = "writes"  # may create the database, its folder and the data dir
    READS = "reads"  # needs the database to exist; creates no file nor folder
    NONE = "none"  # never opens the database


AccessRule = Access | Callable[[argparse.Namespace], Access]


class CommandFailed(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_command(
    subparsers: Any, name: str, handler: Handler, help_text: str, *, access: AccessRule = Access.WRITES,
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """``access`` may depend on the arguments, e.g. ``--dry-run`` only reads."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="the TOML config file")
    parser.set_defaults(handler=handler, access=access)
    return parser


def command_access(args: argparse.Namespace) -> Access:
    rule: AccessRule = getattr(args, "access", Access.WRITES)
    return rule if isinstance(rule, Access) else rule(args)


def require_database(settings: Settings) -> None:
    """Refuse to go on when the SQLite database is missing, rather than create an empty one."""
    path = settings.storage.sqlite_path
    if path is not None and not path.is_file():
        raise CommandFailed(f"no database at {path}; run `insideout serve` or `insideout db migrate` first")


def run_command(args: argparse.Namespace) -> int:
    access = command_access(args)
    try:
        settings = load_settings(getattr(args, "config", None), create_dirs=access is Access.WRITES)
        if access is Access.READS:
            require_database(settings)
        configure_logging(settings.logging.level, settings.logging.format)
        result: int = asyncio.run(args.handler(args, settings))
        return result
    except InsideoutError as exc:
        if exc.detail:
            log.debug("command failed", extra={"detail": exc.detail})
        raise CommandFailed(exc.public_message if exc.status_code < 500 else str(exc)) from None


@asynccontextmanager
async def opened_storage(settings: Settings) -> AsyncIterator[Storage]:
    """Storage with the schema up to date, for commands that run beside or instead of the server."""
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await storage.migrate()
        yield storage
    finally:
        await storage.close()


def read_password(args: argparse.Namespace) -> str | None:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise CommandFailed("--password-stdin: nothing was given on standard input")
        return line.rstrip("\r\n")
    password: str | None = getattr(args, "password", None)
    return password


def prompt_password() -> str:
    return getpass.getpass("Password: ")


def print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
