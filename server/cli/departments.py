"""``insideout department ...``: departments and their members."""

from __future__ import annotations

import argparse
from typing import Any

from server.cli.common import Access, add_command, opened_storage, print_table
from server.config import Settings
from server.passwords import Passwords
from server.services.accounts import AccountService, DepartmentService
from storage.models import MemberRole
from storage.protocols import Storage

MEMBER_ROLES = [role.value for role in MemberRole]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("department", help="manage departments", description="Manage departments.")
    commands = parser.add_subparsers(dest="department_command", metavar="ACTION", required=True)

    create = add_command(commands, "create", create_department, "create a department (a Group actor)")
    create.add_argument("slug", help="the department's username, e.g. engineering")
    create.add_argument("--name", required=True, help="the display name, e.g. 'Engineering'")

    add_command(commands, "list", list_departments, "list departments with their member counts", access=Access.READS)

    members = add_command(commands, "members", list_members, "list a department's members", access=Access.READS)
    members.add_argument("slug")

    add = add_command(commands, "add-member", add_member, "add an employee, or change a member's role")
    add.add_argument("slug")
    add.add_argument("username")
    add.add_argument("--role", choices=MEMBER_ROLES, default="member")

    remove = add_command(commands, "remove-member", remove_member, "remove an employee from a department")
    remove.add_argument("slug")
    remove.add_argument("username")


def _service(storage: Storage) -> DepartmentService:
    return DepartmentService(storage, AccountService(storage, Passwords()))


async def create_department(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        department = await _service(storage).create(args.slug, args.name)
    print(f"Created department {department.username} ({department.display_name}), id {department.id}")
    return 0


async def list_departments(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        departments = await _service(storage).list()
    rows = [(str(d.id), d.username, d.display_name, str(count), "yes" if d.exposed else "no")
            for d, count in departments]
    print_table(rows, ("ID", "SLUG", "NAME", "MEMBERS", "EXPOSED"))
    return 0


async def list_members(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        members = await _service(storage).members(args.slug)
    print_table([(account.username, membership.role.value) for account, membership in members], ("USERNAME", "ROLE"))
    return 0


async def add_member(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        membership = await _service(storage).add_member(args.slug, args.username, MemberRole(args.role))
    print(f"{args.username} is a {membership.role.value} of {args.slug}")
    return 0


async def remove_member(args: argparse.Namespace, settings: Settings) -> int:
    async with opened_storage(settings) as storage:
        await _service(storage).remove_member(args.slug, args.username)
    print(f"Removed {args.username} from {args.slug}")
    return 0
