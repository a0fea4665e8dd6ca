"""What every command shares: settings, storage, one-line errors with exit code 2."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from activitypub.errors import InsideoutError
from server.config import Settings, load_settings
from server.logs import configure_logging
from storage import open_storage
from storage.protocols import Storage

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]
log = logging.getLogger("insideout.cli")


class CommandFailed(Exception):
    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_command(
    subparsers: Any, name: str, handler: Handler, help_text: str, **kwargs: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="the TOML config file")
    parser.set_defaults(handler=handler)
    return parser


def run_command(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(getattr(args, "config", None))
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
