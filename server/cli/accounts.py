"""``insideout account ...``: employees and their roles."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from activitypub.errors import InvalidInput
from server.cli.account_import import register_import
from server.cli.common import Access, CommandFailed, add_command, opened_storage, print_table, read_password
from server.config import Settings
from server.events import InProcessEventBus
from server.passwords import Passwords, generate_password
from server.services.accounts import AccountService, Employee
from server.services.container import Services, build_services
from server.state import event_bus_for
from storage.models import Role
from storage.protocols import Storage

ROLES = [role.value for role in Role]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("account", help="manage employee accounts", description="Manage employee accounts.")
    commands = parser.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    register_import(commands)

    create = add_command(commands, "create", create_account, "create an employee account")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    secret = create.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password", help="the password (visible to other users of this machine; prefer stdin)")
    secret.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--role", choices=ROLES, default="staff")
    create.add_argument("--display-name", default="")
    create.add_argument(
        "--local-login", action="store_true",
        help="break-glass: the password keeps working when [sso] password_login is false (an outage of the IdP)",
    )

    add_command(commands, "list", list_accounts, "list employee accounts", access=Access.READS)

    set_role = add_command(commands, "set-role", set_account_role, "change an employee's role")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=ROLES)

    disable = add_command(
        commands, "disable", disable_account,
        "offboard: refuse sign-in, revoke every token, session and push subscription, end open streams",
    )
    disable.add_argument("username")
    disable.add_argument("--reason", help="why, for the audit log")
    enable = add_command(commands, "enable", enable_account, "allow a disabled employee to sign in again")
    enable.add_argument("username")

    rotate = add_command(
        commands, "rotate-key", rotate_key,
        "give an account (employee, department or company) a new key pair and announce it to its followers",
    )
    rotate.add_argument("username")

    reset = add_command(
        commands, "reset-password", reset_password, "set a new password (generated if none is given) and sign out"
    )
    reset.add_argument("username")
    reset_secret = reset.add_mutually_exclusive_group()
    reset_secret.add_argument("--password")
    reset_secret.add_argument("--password-stdin", action="store_true")


async def create_account(args: argparse.Namespace, settings: Settings) -> int:
    password = read_password(args)
    if password is None:  # argparse requires one of the two; kept for the type
        raise InvalidInput("give the password with --password or --password-stdin")
    async with opened_storage(settings) as storage:
        employee = await AccountService(storage, Passwords()).create_employee(
            args.username, args.email, password, role=Role(args.role), display_name=args.display_name,
            local_login=args.local_login,
        )
    kind = ", break-glass password" if employee.user.local_login else ""
    print(f"Created {employee.account.username} ({employee.user.role.value}{kind}), id {employee.account.id}")
    return 0


async def list_accounts(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        employees = await AccountService(storage, Passwords()).list_employees()
    rows = [
        (str(e.account.id), e.account.username, e.user.email, e.user.role.value,
         "disabled" if e.user.disabled else "active", "yes" if e.account.exposed else "no", sign_in_methods(e))
        for e in employees
    ]
    print_table(rows, ("ID", "USERNAME", "EMAIL", "ROLE", "STATE", "EXPOSED", "SIGN-IN"))
    return 0


def sign_in_methods(employee: Employee) -> str:
    """How the person signs in: ``sso`` once linked at the provider, ``break-glass`` for a password that always works."""
    methods = (["sso"] if employee.user.sso_subject else []) + (["break-glass"] if employee.user.local_login else [])
    return "+".join(methods) or "password"


async def set_account_role(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        employee = await AccountService(storage, Passwords()).set_role(args.username, Role(args.role))
    print(f"{employee.account.username} is now {employee.user.role.value}")
    return 0


async def disable_account(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage, lifecycle_services(storage, settings) as services:
        employee = await services.accounts.employee(args.username)
        departure = await services.offboarding.depart(employee.account.id, actor=cli_actor(), reason=args.reason)
    retracted = f"; retracted {departure.retracted} published posts" if departure.retracted else ""
    print(f"Disabled {args.username}; revoked {departure.revoked} tokens, sessions and push subscriptions"
          f"{retracted}")
    return 0


async def enable_account(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage, lifecycle_services(storage, settings) as services:
        employee = await services.accounts.employee(args.username)
        await services.offboarding.reinstate(employee.account.id, actor=cli_actor())
    print(f"Enabled {args.username}; old tokens and sessions stay revoked")
    return 0


def cli_actor() -> str:
    """Who the audit log names for a command: the operating-system user who ran it."""
    return f"cli:{getpass.getuser()}"


@asynccontextmanager
async def lifecycle_services(storage: Storage, settings: Settings) -> AsyncIterator[Services]:
    """The services with the app's event bus: on PostgreSQL a departure's event reaches every server at once."""
    events = event_bus_for(storage)
    await events.start()
    try:
        yield build_services(storage, settings, events, Passwords())
    finally:
        await events.stop()


async def reset_password(args: argparse.Namespace, settings: Settings) -> int:
    given = read_password(args)
    password = given if given is not None else generate_password()
    if not password:
        raise CommandFailed("the new password is empty")
    async with opened_storage(settings) as storage:
        revoked = await AccountService(storage, Passwords()).reset_password(args.username, password)
    if given is None:
        print(f"New password for {args.username}: {password}")
    print(f"Password reset; revoked {revoked} tokens and sessions")
    return 0


async def rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        services = build_services(storage, settings, InProcessEventBus(), Passwords())
        account = await services.accounts.rotate_key(args.username)
        await services.outbound.actor_updated(account)
    print(f"Rotated the key of {account.username}; an Update goes to its outside followers")
    return 0
