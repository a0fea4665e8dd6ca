"""Reading a staff CSV file into typed rows, each problem tied to its line (the first step of staff_import).

The format (docs/sso.md, "Bulk import"):

- a header row naming the columns, in any order, from ``COLUMNS``;
  ``username`` and ``email`` are required, any other name is refused;
- UTF-8, with or without a byte-order mark; ``,`` or ``;`` between fields
  (the header decides: Excel writes ``;`` where the decimal comma is used);
  quoted fields and CRLF line ends as Excel and LibreOffice write them;
- ``departments``: department usernames separated by ``;`` (quote the field
  in a ``;`` file), each optionally ``:publisher`` or ``:member``;
- ``role``: staff, publisher or admin; ``local_login``: true or false;
- an empty cell of an optional column leaves that value as it is (a new
  account gets the default); an empty ``departments`` cell lists none;
- blank lines, and lines of empty fields only, are skipped.

Line numbers are the file's: the header is line 1, and a record whose
quoted field spans lines is numbered by its first line. Parsing never
stops at a bad row: every problem of every row is reported. Only a file
that cannot be read as CSV at all (not UTF-8, broken quoting, a bad
header) ends it early.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from activitypub.errors import InvalidInput
from server.services.validation import check_display_name, check_email, check_username
from storage.models import MemberRole, Role

COLUMNS = ("username", "email", "display_name", "role", "departments", "local_login")
REQUIRED = ("username", "email")
TRUE = frozenset({"true", "yes", "1"})
FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line of the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class DepartmentRef:
    slug: str
    role: MemberRole = MemberRole.MEMBER


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One person as the file gives them; None: the column is absent or the cell empty (leave as it is)."""

    line: int
    username: str
    email: str
    display_name: str | None = None
    role: Role | None = None
    # None: no departments column, so memberships are not touched; () lists none.
    departments: tuple[DepartmentRef, ...] | None = None
    local_login: bool | None = None


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: tuple[StaffRow, ...]
    problems: tuple[Problem, ...]
    columns: tuple[str, ...] = ()


def parse_staff_csv(data: bytes) -> ParsedFile:
    """The rows of a staff file and every problem found in it, with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return ParsedFile((), (Problem(line, "is not UTF-8; save the file as \"CSV UTF-8\""),))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        records = list(_records(text, delimiter))
    except _Unreadable as unreadable:
        return ParsedFile((), (unreadable.problem,))
    if not records:
        return ParsedFile((), (Problem(1, f"the file is empty; the first line must name the columns, "
                                          f"e.g. {','.join(COLUMNS)}"),))
    header_line, header = records[0]
    columns = tuple(name.strip().lower() for name in header)
    problems = _header_problems(header_line, columns)
    if problems:
        return ParsedFile((), tuple(problems), columns)
    rows: list[StaffRow] = []
    for line, fields in records[1:]:
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(columns):
            problems.append(Problem(line, f"has {len(fields)} fields; the header has {len(columns)}"))
            continue
        row, row_problems = read_row(line, dict(zip(columns, (field.strip() for field in fields))))
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    return ParsedFile(tuple(rows), tuple(problems), columns)


class _Unreadable(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; blank lines give none."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for fields in reader:
            if fields:
                yield start, fields
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _Unreadable(Problem(start, f"cannot be read as CSV ({exc}); check its quotes")) from None


def _header_problems(line: int, columns: tuple[str, ...]) -> list[Problem]:
    known = ", ".join(COLUMNS)
    problems = []
    for position, name in enumerate(columns, start=1):
        if not name:
            problems.append(Problem(line, f"column {position} of the header has no name; the columns are {known}"))
        elif name not in COLUMNS:
            problems.append(Problem(line, f"unknown column {name!r}; the columns are {known}"))
        elif columns.index(name) != position - 1:
            problems.append(Problem(line, f"column {name!r} is named twice"))
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(line, f"the header has no {name!r} column (required: {', '.join(REQUIRED)})"))
    return problems


def read_row(line: int, values: Mapping[str, str]) -> tuple[StaffRow | None, list[Problem]]:
    """One record's cells, checked one by one: the row, or None with at least one problem."""
    problems: list[Problem] = []

    def checked(check: Callable[[str], str], value: str) -> str:
        try:
            return check(value)
        except InvalidInput as exc:
            problems.append(Problem(line, exc.public_message))
            return value

    username, email = values["username"], values["email"]
    if not username:
        problems.append(Problem(line, "the username is empty"))
    else:
        checked(check_username, username)
    if not email:
        problems.append(Problem(line, "the email is empty"))
    else:
        email = checked(check_email, email)
    display_name = checked(check_display_name, values.get("display_name", "")) or None
    role = _role(line, values.get("role", ""), problems)
    local_login = _flag(line, values.get("local_login", ""), problems)
    departments = _departments(line, values["departments"], problems) if "departments" in values else None
    if problems:
        return None, problems
    return StaffRow(line, username, email, display_name, role, departments, local_login), []


def _role(line: int, value: str, problems: list[Problem]) -> Role | None:
    if not value:
        return None
    try:
        return Role(value.lower())
    except ValueError:
        problems.append(Problem(line, f"unknown role {value!r}: use {', '.join(role.value for role in Role)}"))
        return None


def _flag(line: int, value: str, problems: list[Problem]) -> bool | None:
    if not value:
        return None
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    problems.append(Problem(line, f"local_login is {value!r}: use true or false"))
    return None


def _departments(line: int, value: str, problems: list[Problem]) -> tuple[DepartmentRef, ...]:
    refs: dict[str, DepartmentRef] = {}
    for entry in (part.strip() for part in value.split(";")):
        if not entry:
            continue
        slug, _, role_name = (part.strip() for part in entry.partition(":"))
        try:
            check_username(slug)
            role = MemberRole(role_name.lower() or MemberRole.MEMBER.value)
        except InvalidInput:
            problems.append(Problem(line, f"invalid department {slug!r}: a department's username is 1 to 30 "
                                          "letters, digits or underscores"))
            continue
        except ValueError:
            problems.append(Problem(line, f"unknown department role {role_name!r} in {entry!r}: use "
                                          f"{slug}:member or {slug}:publisher"))
            continue
        if slug.lower() in refs:
            problems.append(Problem(line, f"department {slug!r} is listed twice"))
            continue
        refs[slug.lower()] = DepartmentRef(slug, role)
    return tuple(refs.values())
