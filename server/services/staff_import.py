"""Bulk import of staff: a CSV file becomes accounts and department memberships, all or nothing.

``insideout account import FILE`` runs these steps, in this order:

1. **Parse** (``staff_csv.parse_staff_csv``): the file's format, every
   cell checked on its own.
2. **Validate and plan** (``StaffImport.plan``): each row against the
   others (a username or email twice in the file) and against the database,
   read once up front (the row's account is an enabled employee, its email
   belongs to no other account, its departments exist, or may be created
   with ``create_departments``). Then the whole
   plan: no demotion may leave the instance without an admin. Every problem
   of every row is gathered; if any is found, the result is a ``Rejection``
   and nothing has been written.
3. **Apply** (``StaffImport.apply``), only for a plan without problems: key
   pairs for the new accounts are made first (slow, so outside any lock),
   then every change is written in ONE transaction, each with its entry in
   the admin audit log. A failure half-way (someone took a username
   meanwhile) rolls all of it back.

What a row means:

- a username no local account has: a new employee, **without a password**
  (``NO_PASSWORD``, as single sign-on creates them). The person signs in
  through single sign-on, which links the account by its verified email, or
  an admin sets a password with ``insideout account reset-password``;
- an existing employee (username matched case-insensitively): its email,
  and its display name, role and ``local_login`` where the row gives them,
  become the row's. The username itself never changes (it is in the actor's
  URI);
- departments: missing memberships are added and each listed one gets the
  listed role. Memberships the row does not list stay, unless
  ``prune_memberships`` is on (and the file has a departments column).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from activitypub.errors import InsideoutError
from server.services.admin_log import audit
from server.services.keys import KeyPair, new_key_pair
from server.services.staff_csv import DepartmentRef, ParsedFile, Problem, StaffRow, parse_staff_csv
from server.signin.sso import NO_PASSWORD
from storage.models import Account, AccountKind, MemberRole, NewAccount, NewUser, ProfileChanges, Role, User
from storage.protocols import Storage

Progress = Callable[[str, int, int], None]
KeySource = Callable[[], Awaitable[KeyPair]]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    prune_memberships: bool = False
    create_departments: bool = False


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One value of an existing account, as the audit log and the summary show it."""

    name: str  # email, display_name, role or local_login
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class MembershipChange:
    department: str  # the department's username
    before: MemberRole | None  # None: added
    after: MemberRole | None  # None: removed


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """What one row does; ``account_id`` None: the account is created."""

    line: int
    username: str
    account_id: int | None
    email: str
    display_name: str
    role: Role
    local_login: bool
    changes: tuple[FieldChange, ...] = ()
    memberships: tuple[MembershipChange, ...] = ()

    @property
    def outcome(self) -> Outcome:
        if self.account_id is None:
            return Outcome.CREATED
        return Outcome.UPDATED if self.changes or self.memberships else Outcome.UNCHANGED


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    memberships_added: int
    memberships_changed: int
    memberships_removed: int


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Every row's plan, in file order; nothing in it is wrong."""

    accounts: tuple[AccountPlan, ...]
    new_departments: tuple[str, ...] = ()
    # Department usernames (lower case) to ids, for the departments that exist already.
    department_ids: dict[str, int] = field(default_factory=dict)

    def summary(self) -> ImportSummary:
        outcomes = Counter(account.outcome for account in self.accounts)
        changes = [change for account in self.accounts for change in account.memberships]
        return ImportSummary(
            created=outcomes[Outcome.CREATED], updated=outcomes[Outcome.UPDATED],
            unchanged=outcomes[Outcome.UNCHANGED],
            memberships_added=sum(1 for change in changes if change.before is None),
            memberships_changed=sum(1 for change in changes if None not in (change.before, change.after)),
            memberships_removed=sum(1 for change in changes if change.after is None),
        )


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why nothing may be applied: every problem of the file, in line order."""

    problems: tuple[Problem, ...]


class Directory:
    """The database as the plan needs it, read once: the local accounts, enabled admins and memberships."""

    def __init__(self, accounts: Sequence[Account], users: Sequence[tuple[Account, User]]) -> None:
        self.accounts = {account.username.lower(): account for account in accounts}
        self.users = {user.account_id: user for _, user in users}
        self.email_owners = {user.email.lower(): user.account_id for _, user in users}
        self.admin_ids = {user.account_id for _, user in users if user.role is Role.ADMIN and not user.disabled}
        self.departments = {name: account.id for name, account in self.accounts.items()
                            if account.kind is AccountKind.DEPARTMENT}
        self.names = {account.id: account.username for account in accounts}
        self.memberships: dict[int, dict[int, MemberRole]] = {}

    def check(self, row: StaffRow, create_departments: bool, new_usernames: dict[str, int]) -> list[str]:
        """What is wrong with ``row`` given the database, as messages."""
        found = []
        account = self.accounts.get(row.username.lower())
        if account is not None and account.kind is not AccountKind.EMPLOYEE:
            found.append(f"{account.username!r} is the username of {_a(account.kind)}, not of an employee")
        elif account is not None and account.id not in self.users:
            found.append(f"{account.username!r} has no sign-in row; it cannot be imported into")
        elif account is not None and self.users[account.id].disabled:
            found.append(f"{account.username}'s account is disabled; `insideout account enable "
                         f"{account.username}` first, or leave the row out")
        owner = self.email_owners.get(row.email.lower())
        if owner is not None and (account is None or owner != account.id):
            found.append(f"email {row.email!r} belongs to another account ({self.names.get(owner, owner)})")
        for ref in row.departments or ():
            found.extend(self._check_department(ref.slug, create_departments, new_usernames))
        return found

    def _check_department(self, slug: str, create: bool, new_usernames: dict[str, int]) -> list[str]:
        account = self.accounts.get(slug.lower())
        if account is not None:
            if account.kind is AccountKind.DEPARTMENT:
                return []
            return [f"{slug!r} is the username of {_a(account.kind)}, not a department"]
        if not create:
            return [f"no department {slug!r}; create it first (`insideout department create`), "
                    "or import with --create-departments"]
        if slug.lower() in new_usernames:
            return [f"department {slug!r} would take the username of the account on line {new_usernames[slug.lower()]}"]
        return []

    def membership_changes(
        self, account_id: int | None, refs: tuple[DepartmentRef, ...] | None, prune: bool
    ) -> tuple[MembershipChange, ...]:
        """From the memberships of ``account_id`` (None: a new account) to those ``refs`` lists."""
        if refs is None:
            return ()
        current = self.memberships.get(account_id, {}) if account_id is not None else {}
        changes, listed = [], set()
        for ref in refs:
            department_id = self.departments.get(ref.slug.lower())
            if department_id is None:  # created by this import
                changes.append(MembershipChange(ref.slug, None, ref.role))
                continue
            listed.add(department_id)
            if current.get(department_id) is not ref.role:
                changes.append(MembershipChange(self.names[department_id], current.get(department_id), ref.role))
        if prune:
            changes += [MembershipChange(self.names[department_id], role, None)
                        for department_id, role in current.items() if department_id not in listed]
        return tuple(changes)


async def load_directory(storage: Storage) -> Directory:
    directory = Directory(await storage.accounts.list_local(), await storage.accounts.list_users())
    for department_id in directory.departments.values():
        for membership in await storage.departments.members(department_id):
            directory.memberships.setdefault(membership.account_id, {})[department_id] = membership.role
    return directory


class StaffImport:
    def __init__(self, storage: Storage, *, key_pairs: KeySource | None = None) -> None:
        self._storage = storage
        self._key_pairs = key_pairs or new_key_pair

    async def plan(self, data: bytes, options: ImportOptions = ImportOptions()) -> ImportPlan | Rejection:
        """Parse and check the whole file; write nothing."""
        parsed = parse_staff_csv(data)
        directory = await load_directory(self._storage)
        plans, problems = _plan_rows(parsed, directory, options)
        problems += _last_admin_problems(plans, directory)
        if problems:
            return Rejection(tuple(sorted(problems, key=lambda problem: problem.line)))
        new_departments: dict[str, str] = {}
        for account in plans:
            for change in account.memberships:
                if change.department.lower() not in directory.departments:
                    new_departments.setdefault(change.department.lower(), change.department)
        return ImportPlan(tuple(plans), tuple(new_departments.values()), dict(directory.departments))

    async def apply(self, plan: ImportPlan, *, actor: str, reason: str, progress: Progress = _no_progress) -> None:
        """Write ``plan`` in one transaction, audited by ``actor`` with ``reason``; all of it or none."""
        creating = [account for account in plan.accounts if account.account_id is None]
        total_keys = len(creating) + len(plan.new_departments)
        keys: list[KeyPair] = []
        for done in range(1, total_keys + 1):
            keys.append(await self._key_pairs())
            progress("key pairs", done, total_keys)
        writer = _Writer(self._storage, actor, reason, dict(plan.department_ids))
        async with self._storage.transaction():
            for slug in plan.new_departments:
                await writer.create_department(slug, keys.pop())
            progress("accounts", 0, len(plan.accounts))
            for done, account in enumerate(plan.accounts, start=1):
                await writer.write(account, keys.pop() if account.account_id is None else None)
                progress("accounts", done, len(plan.accounts))


def _plan_rows(
    parsed: ParsedFile, directory: Directory, options: ImportOptions
) -> tuple[list[AccountPlan], list[Problem]]:
    problems = list(parsed.problems)
    plans: list[AccountPlan] = []
    usernames: dict[str, int] = {}
    emails: dict[str, int] = {}
    new_usernames = {row.username.lower(): row.line for row in parsed.rows
                     if row.username.lower() not in directory.accounts}
    for row in parsed.rows:
        found = _duplicates(row, usernames, emails) + directory.check(row, options.create_departments, new_usernames)
        if found:
            problems.extend(Problem(row.line, message) for message in found)
        else:
            plans.append(_plan_row(row, directory, options))
    return plans, problems


def _duplicates(row: StaffRow, usernames: dict[str, int], emails: dict[str, int]) -> list[str]:
    found = []
    first = usernames.setdefault(row.username.lower(), row.line)
    if first != row.line:
        found.append(f"username {row.username!r} is also on line {first}")
    first = emails.setdefault(row.email.lower(), row.line)
    if first != row.line:
        found.append(f"email {row.email!r} is also on line {first}")
    return found


def _plan_row(row: StaffRow, directory: Directory, options: ImportOptions) -> AccountPlan:
    account = directory.accounts.get(row.username.lower())
    if account is None:
        memberships = directory.membership_changes(None, row.departments, prune=False)
        return AccountPlan(row.line, row.username, None, row.email, row.display_name or "", row.role or Role.STAFF,
                           bool(row.local_login), (), memberships)
    user = directory.users[account.id]
    target = AccountPlan(
        row.line, account.username, account.id, row.email,
        account.display_name if row.display_name is None else row.display_name,
        user.role if row.role is None else row.role,
        user.local_login if row.local_login is None else row.local_login,
    )
    before = {"email": user.email, "display_name": account.display_name, "role": user.role.value,
              "local_login": _text(user.local_login)}
    after = {"email": target.email, "display_name": target.display_name, "role": target.role.value,
             "local_login": _text(target.local_login)}
    changes = tuple(FieldChange(name, before[name], after[name]) for name in before if before[name] != after[name])
    memberships = directory.membership_changes(account.id, row.departments, options.prune_memberships)
    return replace(target, changes=changes, memberships=memberships)


def _a(kind: AccountKind) -> str:
    return f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value}"


def _text(flag: bool) -> str:
    return "true" if flag else "false"


def _last_admin_problems(plans: Sequence[AccountPlan], directory: Directory) -> list[Problem]:
    """A demotion that would leave no enabled admin is a bad row (each such row, so all are named)."""
    demoted = {plan.account_id: plan for plan in plans
               if plan.account_id in directory.admin_ids and plan.role is not Role.ADMIN}
    promoted = [plan for plan in plans if plan.role is Role.ADMIN and plan.account_id not in directory.admin_ids]
    if not demoted or promoted or directory.admin_ids - set(demoted):
        return []
    return [Problem(plan.line, f"{plan.username} is the last admin and would become {plan.role.value}; "
                               "make another admin first, or keep one in the file")
            for plan in demoted.values()]


class _Writer:
    """Writes one planned account at a time, inside the caller's transaction, and audits each change."""

    def __init__(self, storage: Storage, actor: str, reason: str, department_ids: dict[str, int]) -> None:
        self._storage = storage
        self._actor = actor
        self._reason = reason
        self._departments = department_ids

    async def create_department(self, slug: str, keys: KeyPair) -> None:
        department = await self._storage.accounts.create_local(
            NewAccount(AccountKind.DEPARTMENT, slug, slug, keys.public_pem, keys.private_pem, exposed=True)
        )
        self._departments[slug.lower()] = department.id
        await audit(self._storage, self._actor, "department.create", "department", department.id,
                    reason=self._reason, username=slug)

    async def write(self, plan: AccountPlan, keys: KeyPair | None) -> None:
        if plan.account_id is None:
            if keys is None:
                raise InsideoutError(detail=f"no key pair for the new account {plan.username}")
            account_id = await self._create(plan, keys)
        else:
            account_id = plan.account_id
            await self._update(account_id, plan)
        for change in plan.memberships:
            await self._membership(account_id, change)

    async def _create(self, plan: AccountPlan, keys: KeyPair) -> int:
        account = await self._storage.accounts.create_local(
            NewAccount(AccountKind.EMPLOYEE, plan.username, plan.display_name, keys.public_pem, keys.private_pem),
            NewUser(plan.email, NO_PASSWORD, plan.role, local_login=plan.local_login),
        )
        await audit(self._storage, self._actor, "account.create", "account", account.id, reason=self._reason,
                    username=plan.username, email=plan.email, display_name=plan.display_name,
                    role=plan.role.value, local_login=_text(plan.local_login))
        return account.id

    async def _update(self, account_id: int, plan: AccountPlan) -> None:
        accounts = self._storage.accounts
        changed = {change.name: change for change in plan.changes}
        if "email" in changed:
            await accounts.set_email(account_id, plan.email)
        if "display_name" in changed:
            await accounts.update_profile(account_id, ProfileChanges(display_name=plan.display_name))
        if "local_login" in changed:
            await accounts.set_local_login(account_id, plan.local_login)
        if "role" in changed:
            await accounts.set_role(account_id, plan.role)
            await audit(self._storage, self._actor, "account.role", "account", account_id, reason=self._reason,
                        before=changed["role"].before, after=changed["role"].after)
        detail = {f"{change.name}.{when}": value for change in plan.changes if change.name != "role"
                  for when, value in (("before", change.before), ("after", change.after))}
        if detail:
            await audit(self._storage, self._actor, "account.update", "account", account_id, reason=self._reason,
                        **detail)

    async def _membership(self, account_id: int, change: MembershipChange) -> None:
        department_id = self._departments[change.department.lower()]
        if change.after is None:
            await self._storage.departments.remove_member(department_id, account_id)
            await audit(self._storage, self._actor, "department.member_removed", "department", department_id,
                        reason=self._reason, account_id=str(account_id))
            return
        await self._storage.departments.set_member(department_id, account_id, change.after)
        await audit(self._storage, self._actor, "department.member_set", "department", department_id,
                    reason=self._reason, account_id=str(account_id), role=change.after.value)
