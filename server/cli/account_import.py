"""``insideout account import FILE``: accounts and department memberships from a CSV file, all or nothing.

The work is ``server.services.staff_import``'s; this module reads the file,
draws the progress bar on standard error and prints the outcome. Exit codes:
0 done (or, with ``--dry-run``, would be done), 1 bad rows (each printed as
``line N: ...``, nothing written), 2 any other failure (nothing written).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from activitypub.errors import Conflict
from server.cli.common import Access, CommandFailed, add_command, opened_storage
from server.cli.transfer import ProgressBar
from server.config import Settings
from server.services.staff_csv import COLUMNS
from server.services.staff_import import AccountPlan, ImportOptions, ImportPlan, Outcome, Rejection, StaffImport

FORMAT = f"""\
The file (docs/sso.md, "Bulk import"): UTF-8 (with or without BOM), `,` or `;`
between fields, a header row naming its columns from:
  {",".join(COLUMNS)}
username and email are required. departments: department usernames separated
by `;`, each optionally `:publisher`, e.g. "engineering;comms:publisher".
role: staff, publisher or admin. local_login: true or false (break-glass).
An empty cell leaves that value as it is. New accounts have no password: they
sign in through single sign-on, or get one from `insideout account reset-password`.

Every row is checked before anything is written; bad rows are printed as
`line N: ...` with exit code 1, and nothing is applied. Otherwise all changes
are written in one transaction and recorded in the admin audit log.
"""
DRY_VERBS = {Outcome.CREATED: "would create", Outcome.UPDATED: "would update"}


def register_import(commands: Any) -> None:
    parser = add_command(
        commands, "import", import_staff,
        "create or update employee accounts and their department memberships from a CSV file",
        epilog=FORMAT, formatter_class=argparse.RawDescriptionHelpFormatter, access=import_access,
    )
    parser.add_argument("file", metavar="FILE", help="the CSV file, or - for standard input")
    parser.add_argument("--dry-run", action="store_true", help="check the file and show what would change; write nothing")
    parser.add_argument(
        "--prune-memberships", action="store_true",
        help="also remove each listed person from the departments their row does not list (default: keep them)",
    )
    parser.add_argument(
        "--create-departments", action="store_true",
        help="create the departments the file names that do not exist (default: such a row is bad)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar on standard error")


def import_access(args: argparse.Namespace) -> Access:
    """A dry run only reads: it needs the database, and never creates it."""
    return Access.READS if args.dry_run else Access.WRITES


async def import_staff(args: argparse.Namespace, settings: Settings) -> int:
    data = _read(args.file)
    options = ImportOptions(prune_memberships=args.prune_memberships, create_departments=args.create_departments)
    async with opened_storage(settings) as storage:
        service = StaffImport(storage)
        plan = await service.plan(data, options)
        if isinstance(plan, Rejection):
            for problem in plan.problems:
                print(problem, file=sys.stderr)
            lines = len({problem.line for problem in plan.problems})
            print(f"{lines} bad line{'s' if lines != 1 else ''} in {args.file}; nothing was applied", file=sys.stderr)
            return 1
        if not args.dry_run:
            with ProgressBar(sys.stderr, quiet=args.quiet) as bar:
                try:
                    await service.apply(plan, actor=f"cli:{getpass.getuser()}",
                                        reason=f"insideout account import {args.file}", progress=bar.update)
                except Conflict as exc:
                    raise CommandFailed(f"{exc.public_message}: an account changed while importing; nothing was "
                                        "applied, run the import again") from None
    for line in summary_lines(plan, dry_run=args.dry_run):
        print(line)
    return 0


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise CommandFailed(f"cannot read {name}: {exc.strerror or exc}") from None


def summary_lines(plan: ImportPlan, *, dry_run: bool) -> list[str]:
    """What changed (or, dry, would change): the counts, then one line per created or updated account."""
    done = plan.summary()
    if dry_run:
        lines = [f"would create {done.created}, would update {done.updated}, would leave {done.unchanged} unchanged",
                 f"would change memberships: {done.memberships_added} added, {done.memberships_changed} changed,"
                 f" {done.memberships_removed} removed"]
    else:
        lines = [f"created {done.created}, updated {done.updated}, unchanged {done.unchanged}",
                 f"memberships: {done.memberships_added} added, {done.memberships_changed} changed,"
                 f" {done.memberships_removed} removed"]
    if plan.new_departments:
        lines.append(f"{'would create' if dry_run else 'created'} departments: {', '.join(plan.new_departments)}")
    lines += [_account_line(account, dry_run) for account in plan.accounts if account.outcome is not Outcome.UNCHANGED]
    if dry_run:
        lines.append("dry run: nothing was written")
    return lines


def _account_line(account: AccountPlan, dry_run: bool) -> str:
    if account.outcome is Outcome.CREATED:
        parts = [account.role.value, *(["break-glass"] if account.local_login else [])]
    else:
        parts = [f"{change.name} {change.before!r} -> {change.after!r}" for change in account.changes]
    for membership in account.memberships:
        before, after = membership.before, membership.after
        if after is None:
            parts.append(f"-{membership.department}")
        elif before is None:
            parts.append(f"+{membership.department} ({after.value})")
        else:
            parts.append(f"{membership.department} {before.value} -> {after.value}")
    verb = DRY_VERBS[account.outcome] if dry_run else account.outcome.value
    return f"  {verb} {account.username}: {', '.join(parts)}"
