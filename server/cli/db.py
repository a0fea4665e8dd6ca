"""``insideout db ...``: the schema."""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import Access, add_command
from server.config import Settings
from storage import open_storage


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database schema", description="Manage the database schema.")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    add_command(commands, "migrate", migrate, "apply pending migrations (serve does this too)")
    add_command(commands, "check", check, "exit 1 if the schema needs migrating, 0 if it is current",
                access=Access.READS)


async def migrate(args: argparse.Namespace, settings: Settings) -> int:
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        applied = await storage.migrate()
    finally:
        await storage.close()
    for name in applied:
        print(f"applied {name}")
    print("schema is up to date" if not applied else f"applied {len(applied)} migrations")
    return 0


async def check(args: argparse.Namespace, settings: Settings) -> int:
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        pending = await storage.pending_migrations()
    finally:
        await storage.close()
    if pending:
        print(f"{len(pending)} pending migrations: {', '.join(pending)}")
        return 1
    print("schema is up to date")
    return 0
