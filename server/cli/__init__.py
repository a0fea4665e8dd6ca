"""The ``insideout`` command line: ``insideout --help`` lists every command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from server.cli import accounts, backup, db, departments, review, scim, serve, sso, statuses, transfer, worker
from server.cli import analytics as analytics_commands
from server.cli import announcements as announcement_commands
from server.cli import email as email_commands
from server.cli import media as media_commands
from server.cli.common import CommandFailed, run_command

COMMANDS = (serve, worker, db, accounts, departments, statuses, review, backup, transfer, sso, scim, email_commands,
            analytics_commands, announcement_commands, media_commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insideout",
        description="Insideout: a federated activity-stream server for organisations.",
        epilog="Settings come from --config PATH, or INSIDEOUT_CONFIG, plus INSIDEOUT_<SECTION>_<KEY> variables.",
    )
    parser.add_argument("--config", metavar="PATH", help="the TOML config file (default: $INSIDEOUT_CONFIG)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except CommandFailed as failure:
        print(f"insideout: error: {failure}", file=sys.stderr)
        return failure.exit_code
    except KeyboardInterrupt:
        return 130


__all__ = ["build_parser", "main"]
