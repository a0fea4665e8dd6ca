"""``insideout account import FILE``: staff from a CSV file, checked in full, then applied all at once."""

from __future__ import annotations

import asyncio
import getpass
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from activitypub.errors import Conflict
from activitypub.signatures import generate_rsa_key, private_key_pem, public_key_pem
from server.cli import main
from server.cli.common import opened_storage
from server.config import load_settings
from server.passwords import Passwords
from server.services import staff_import
from server.services.keys import KeyPair
from server.services.staff_import import ImportOptions, ImportPlan, Rejection, StaffImport
from server.signin.sso import NO_PASSWORD
from storage import open_storage
from storage.models import AccountKind, MemberRole, NewAccount, NewUser, Role
from storage.protocols import Storage
from tests.backends import fresh_database

T = TypeVar("T")
HEADER = "username,email,display_name,role,departments,local_login\n"
ACTOR = f"cli:{getpass.getuser()}"


@pytest.fixture(scope="module")
def key_pair() -> KeyPair:
    key = generate_rsa_key(2048)
    return KeyPair(public_key_pem(key.public_key()), private_key_pem(key))


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_pair: KeyPair) -> Path:
    """A config on the suite's backend; one key pair for every new account, since RSA takes 60 ms a key."""
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndata_dir = "data"\ndatabase = "{fresh_database(tmp_path)}"\n')
    monkeypatch.setenv("INSIDEOUT_CONFIG", str(path))

    async def fixed() -> KeyPair:
        return key_pair

    monkeypatch.setattr(staff_import, "new_key_pair", fixed)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, text: str, name: str = "staff.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def db(work: Callable[[Storage], Awaitable[T]]) -> T:
    async def opened() -> T:
        async with opened_storage(load_settings()) as storage:
            return await work(storage)

    return asyncio.run(opened())


def seed(key_pair: KeyPair, *, employees: tuple[tuple[str, str, Role], ...] = (), departments: tuple[str, ...] = (),
         members: tuple[tuple[str, str, MemberRole], ...] = (), disabled: tuple[str, ...] = ()) -> None:
    async def work(storage: Storage) -> None:
        for username, email, role in employees:
            await storage.accounts.create_local(
                NewAccount(AccountKind.EMPLOYEE, username, username.title(), key_pair.public_pem,
                           key_pair.private_pem),
                NewUser(email, "not-a-hash", role),
            )
        for slug in departments:
            await storage.accounts.create_local(
                NewAccount(AccountKind.DEPARTMENT, slug, slug.title(), key_pair.public_pem, key_pair.private_pem)
            )
        for slug, username, member_role in members:
            department, account = await storage.accounts.get_local(slug), await storage.accounts.get_local(username)
            assert department is not None and account is not None
            await storage.departments.set_member(department.id, account.id, member_role)
        for username in disabled:
            account = await storage.accounts.get_local(username)
            assert account is not None
            await storage.accounts.set_disabled(account.id, True)

    db(work)


def people() -> dict[str, tuple[str, str, str, bool, str]]:
    """username -> (email, display name, role, local_login, password hash) of every employee."""
    async def work(storage: Storage) -> dict[str, tuple[str, str, str, bool, str]]:
        return {account.username: (user.email, account.display_name, user.role.value, user.local_login,
                                   user.password_hash)
                for account, user in await storage.accounts.list_users()}

    return db(work)


def memberships(slug: str) -> dict[str, str]:
    async def work(storage: Storage) -> dict[str, str]:
        department = await storage.accounts.get_local(slug)
        assert department is not None
        found = {}
        for membership in await storage.departments.members(department.id):
            account = await storage.accounts.get(membership.account_id)
            assert account is not None
            found[account.username] = membership.role.value
        return found

    return db(work)


def account_id(username: str) -> str:
    async def work(storage: Storage) -> str:
        account = await storage.accounts.get_local(username)
        assert account is not None
        return str(account.id)

    return db(work)


def audit_log() -> list[tuple[str, str, str, dict[str, str], str | None]]:
    """(actor, action, target type, detail, reason), oldest first."""
    async def work(storage: Storage) -> list[tuple[str, str, str, dict[str, str], str | None]]:
        actions = await storage.admin.actions(limit=10_000)
        return [(a.actor, a.action, a.target_type, dict(a.detail), a.reason) for a in reversed(actions)]

    return db(work)


# --- the help text ---------------------------------------------------------------------------------


def test_the_help_documents_the_format_and_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["account", "import", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "usage: insideout account import" in out
    assert "username,email,display_name,role,departments,local_login" in out
    assert "engineering;comms:publisher" in out
    for flag in ("--dry-run", "--prune-memberships", "--create-departments", "--quiet"):
        assert flag in out
    assert "line N" in out


def test_the_account_help_lists_import(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["account", "--help"])
    assert "import" in capsys.readouterr().out


# --- creating, updating, leaving alone -------------------------------------------------------------


def test_new_rows_become_accounts_without_a_password_with_roles_and_memberships(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    # Given two departments
    seed(key_pair, departments=("engineering", "comms"))
    # When a file with two new people is imported
    path = write(tmp_path, HEADER + "alice,alice@corp.example,Alice Archer,publisher,engineering;comms:publisher,\n"
                                    "bob,bob@corp.example,,,,true\n")
    code, out, err = run(capsys, "account", "import", path)
    # Then both exist, with what their rows say
    assert code == 0, err
    assert people()["alice"] == ("alice@corp.example", "Alice Archer", "publisher", False, NO_PASSWORD)
    assert people()["bob"] == ("bob@corp.example", "", "staff", True, NO_PASSWORD)
    assert memberships("engineering") == {"alice": "member"}
    assert memberships("comms") == {"alice": "publisher"}
    # And the summary says so
    assert out.splitlines()[0] == "created 2, updated 0, unchanged 0"
    assert out.splitlines()[1] == "memberships: 2 added, 0 changed, 0 removed"
    assert "  created alice: publisher, +engineering (member), +comms (publisher)" in out
    assert "  created bob: staff, break-glass" in out
    # And the progress bar went to standard error
    assert "accounts" in err
    assert "2/2 rows (100%)" in err


def test_a_new_account_cannot_sign_in_with_a_password_until_one_is_reset(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "account", "import", write(tmp_path, HEADER + "alice,alice@corp.example,,,,\n"))[0] == 0
    assert not asyncio.run(Passwords().verify(NO_PASSWORD, ""))
    assert not asyncio.run(Passwords().verify(NO_PASSWORD, NO_PASSWORD))
    code, out, _ = run(capsys, "account", "reset-password", "alice", "--password", "a long new password")
    assert code == 0
    assert people()["alice"][4] != NO_PASSWORD


def test_new_accounts_get_their_own_real_key_pairs(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.services import keys

    monkeypatch.setattr(staff_import, "new_key_pair", keys.new_key_pair)
    path = write(tmp_path, HEADER + "alice,alice@corp.example,,,,\nbob,bob@corp.example,,,,\n")
    assert run(capsys, "account", "import", path)[0] == 0

    async def public_keys(storage: Storage) -> set[str]:
        return {account.public_key_pem for account, _ in await storage.accounts.list_users()}

    assert len(db(public_keys)) == 2


def test_an_existing_account_takes_what_its_row_says(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    # Given alice, a staff member of engineering, and another admin
    seed(key_pair, employees=(("alice", "alice@old.example", Role.STAFF), ("root", "root@corp.example", Role.ADMIN)),
         departments=("engineering", "comms"), members=(("engineering", "alice", MemberRole.MEMBER),))
    # When her row (username in other case) changes everything
    path = write(tmp_path, HEADER + "ALICE,alice@corp.example,Alice Archer,admin,engineering:publisher;comms,true\n")
    code, out, err = run(capsys, "account", "import", path)
    # Then her account has it, under its own username
    assert code == 0, err
    assert people()["alice"] == ("alice@corp.example", "Alice Archer", "admin", True, "not-a-hash")
    assert memberships("engineering") == {"alice": "publisher"}
    assert memberships("comms") == {"alice": "member"}
    assert out.splitlines()[0] == "created 0, updated 1, unchanged 0"
    assert out.splitlines()[1] == "memberships: 1 added, 1 changed, 0 removed"
    assert ("  updated alice: email 'alice@old.example' -> 'alice@corp.example', display_name 'Alice' -> "
            "'Alice Archer', role 'staff' -> 'admin', local_login 'false' -> 'true', "
            "engineering member -> publisher, +comms (member)") in out


def test_empty_cells_and_absent_columns_leave_values_as_they_are(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, employees=(("alice", "alice@corp.example", Role.PUBLISHER),), departments=("engineering",),
         members=(("engineering", "alice", MemberRole.PUBLISHER),))
    path = write(tmp_path, "username,email,display_name,role\nalice,alice@corp.example,,\n")
    code, out, _ = run(capsys, "account", "import", "--prune-memberships", path)
    assert code == 0
    assert out.splitlines()[0] == "created 0, updated 0, unchanged 1"
    assert people()["alice"][1:3] == ("Alice", "publisher")
    assert memberships("engineering") == {"alice": "publisher"}  # no departments column: untouched, even pruning


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, departments=("engineering",))
    path = write(tmp_path, HEADER + "alice,alice@corp.example,Alice,staff,engineering,false\n"
                                    "bob,bob@corp.example,Bob,publisher,,\n")
    assert run(capsys, "account", "import", path)[0] == 0
    entries = len(audit_log())
    code, out, _ = run(capsys, "account", "import", path)
    assert code == 0
    assert out.splitlines() == ["created 0, updated 0, unchanged 2", "memberships: 0 added, 0 changed, 0 removed"]
    assert len(audit_log()) == entries


def test_memberships_not_listed_stay_unless_pruned(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, employees=(("alice", "alice@corp.example", Role.STAFF),), departments=("engineering", "sales"),
         members=(("engineering", "alice", MemberRole.MEMBER), ("sales", "alice", MemberRole.PUBLISHER)))
    path = write(tmp_path, HEADER + "alice,alice@corp.example,,,engineering,\n")

    code, out, _ = run(capsys, "account", "import", path)
    assert code == 0
    assert out.splitlines()[0] == "created 0, updated 0, unchanged 1"
    assert memberships("sales") == {"alice": "publisher"}

    code, out, _ = run(capsys, "account", "import", "--prune-memberships", path)
    assert code == 0
    assert out.splitlines()[1] == "memberships: 0 added, 0 changed, 1 removed"
    assert "  updated alice: -sales" in out
    assert memberships("sales") == {}
    assert memberships("engineering") == {"alice": "member"}


def test_missing_departments_are_created_only_when_asked(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, HEADER + "alice,alice@corp.example,,,research:publisher,\nbob,bob@corp.example,,,Research,\n")
    code, _, err = run(capsys, "account", "import", path)
    assert code == 1
    assert "line 2: no department 'research'" in err
    assert "--create-departments" in err

    code, out, err = run(capsys, "account", "import", "--create-departments", path)
    assert code == 0, err
    assert "created departments: research" in out
    assert memberships("research") == {"alice": "publisher", "bob": "member"}
    assert [entry[1] for entry in audit_log()].count("department.create") == 1


# --- dry run ---------------------------------------------------------------------------------------


def test_a_dry_run_shows_the_same_summary_and_writes_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, employees=(("alice", "alice@old.example", Role.STAFF),), departments=("engineering",))
    before, log_before = people(), audit_log()
    path = write(tmp_path, HEADER + "alice,alice@corp.example,,,engineering,\nbob,bob@corp.example,,,,\n")

    code, out, err = run(capsys, "account", "import", "--dry-run", path)

    assert code == 0, err
    assert out.splitlines()[:2] == ["would create 1, would update 1, would leave 0 unchanged",
                                    "would change memberships: 1 added, 0 changed, 0 removed"]
    assert "  would update alice: email 'alice@old.example' -> 'alice@corp.example', +engineering (member)" in out
    assert "  would create bob: staff" in out
    assert out.splitlines()[-1] == "dry run: nothing was written"
    assert err == ""
    assert people() == before
    assert memberships("engineering") == {}
    assert audit_log() == log_before


# --- bad rows --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("ok,ok@corp.example,,,,\nbad name,b@corp.example,,,,\n", "line 3: Invalid username 'bad name'"),
        ("carol,not-an-email,,,,\n", "line 2: Invalid email address 'not-an-email'"),
        (",nobody@corp.example,,,,\n", "line 2: the username is empty"),
        ("carol,carol@corp.example,,boss,,\n", "line 2: unknown role 'boss': use staff, publisher, admin"),
        ("carol,carol@corp.example,,,,maybe\n", "line 2: local_login is 'maybe': use true or false"),
        ("carol,carol@corp.example,,,engineering:chief,\n", "line 2: unknown department role 'chief'"),
        ("carol,carol@corp.example,,,engineering;Engineering,\n", "line 2: department 'Engineering' is listed twice"),
        ("carol,carol@corp.example,A name that is far too long to be shown,,,\n", "line 2: Display name is too long"),
        ("carol,c1@corp.example,,,,\n\nCarol,c2@corp.example,,,,\n", "line 4: username 'Carol' is also on line 2"),
        ("carol,c@corp.example,,,,\ndave,C@corp.example,,,,\n", "line 3: email 'C@corp.example' is also on line 2"),
        ("carol,taken@corp.example,,,,\n", "line 2: email 'taken@corp.example' belongs to another account (taken)"),
        ("carol,carol@corp.example,,,nowhere,\n", "line 2: no department 'nowhere'"),
        ("carol,carol@corp.example,,,taken,\n", "line 2: 'taken' is the username of an employee, not a department"),
        ("engineering,e@corp.example,,,,\n", "line 2: 'engineering' is the username of a department"),
        ("gone,gone@corp.example,,,,\n", "line 2: gone's account is disabled"),
        ("taken,taken@corp.example,,staff,,\n", "line 2: taken is the last admin and would become staff"),
        ("carol,carol@corp.example,,,\n", "line 2: has 5 fields; the header has 6"),
        ('carol,"carol@corp.example,,,,\n', "line 2: cannot be read as CSV"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_nothing_is_applied(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair, rows: str, expected: str
) -> None:
    seed(key_pair, employees=(("taken", "taken@corp.example", Role.ADMIN), ("gone", "gone@corp.example", Role.STAFF)),
         departments=("engineering",), disabled=("gone",))
    before = people()

    code, out, err = run(capsys, "account", "import", write(tmp_path, HEADER + rows))

    assert code == 1
    assert expected in err, err
    assert err.splitlines()[-1].endswith("staff.csv; nothing was applied")
    assert out == ""
    assert people() == before


def test_the_last_admin_may_step_down_when_the_file_makes_another(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, employees=(("root", "root@corp.example", Role.ADMIN),))
    path = write(tmp_path, HEADER + "root,root@corp.example,,staff,,\nalice,alice@corp.example,,admin,,\n")
    code, _, err = run(capsys, "account", "import", path)
    assert code == 0, err
    assert people()["root"][2] == "staff"
    assert people()["alice"][2] == "admin"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("username,email,phone\n", "line 1: unknown column 'phone'; the columns are username, email, display_name"),
        ("username,display_name\n", "line 1: the header has no 'email' column"),
        ("username,email,,\n", "line 1: column 3 of the header has no name"),
        ("username,email,Email\n", "line 1: column 'email' is named twice"),
        ("", "line 1: the file is empty"),
    ],
)
def test_a_bad_header_is_refused_with_a_clear_message(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, expected: str
) -> None:
    code, _, err = run(capsys, "account", "import", write(tmp_path, header + "alice,alice@corp.example,x\n"
                                                          if header else ""))
    assert code == 1
    assert expected in err, err


def test_a_file_that_is_not_utf8_names_the_line(config: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "username,email,display_name\nalice,a@corp.example,Zoë\nbjörn,b@corp.example,Björn\n",
                 encoding="latin-1")
    code, _, err = run(capsys, "account", "import", path)
    assert code == 1
    assert 'line 2: is not UTF-8; save the file as "CSV UTF-8"' in err


def test_every_bad_row_is_reported_and_one_bad_row_of_many_applies_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    # Given an existing person the file would change
    seed(key_pair, employees=(("alice", "alice@old.example", Role.STAFF),), departments=("engineering",))
    before, log_before = people(), audit_log()
    rows = [f"user{n},user{n}@corp.example,User {n},staff,engineering,\n" for n in range(60)]
    rows[25] = "user25,not an email,,,,\n"  # line 27
    rows[40] = "user40,user40@corp.example,,emperor,,\n"  # line 42
    rows.append("alice,alice@corp.example,Alice,publisher,engineering,\n")
    # When the file is imported
    code, out, err = run(capsys, "account", "import", write(tmp_path, HEADER + "".join(rows)))
    # Then both bad rows are named, in order, and nothing at all was written
    assert code == 1
    assert err.splitlines() == ["line 27: Invalid email address 'not an email'",
                                "line 42: unknown role 'emperor': use staff, publisher, admin",
                                f"2 bad lines in {tmp_path / 'staff.csv'}; nothing was applied"]
    assert people() == before
    assert memberships("engineering") == {}
    assert audit_log() == log_before


def test_an_unreadable_file_is_one_line_with_exit_code_2(config: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "account", "import", str(tmp_path / "absent.csv"))
    assert code == 2
    assert err.startswith("insideout: error: cannot read ")
    assert err.count("\n") == 1


# --- what spreadsheets write ----------------------------------------------------------------------


def test_excel_in_europe_bom_semicolons_crlf_and_quotes(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, departments=("engineering", "comms"))
    text = ("\ufeffUsername;Email;Display_Name;Role;Departments;Local_Login\r\n"
            'zoe;zoe@corp.example;"Zoë; the ""Boss""";admin;"engineering;comms:publisher";TRUE\r\n'
            ";;;;;\r\n"
            'bjorn;bjorn@corp.example;"Björn, B.";;;\r\n'
            "  yusuf ; yusuf@corp.example ;;; engineering ;\r\n")
    code, out, err = run(capsys, "account", "import", write(tmp_path, text))
    assert code == 0, err
    assert people()["zoe"][:4] == ("zoe@corp.example", 'Zoë; the "Boss"', "admin", True)
    assert people()["bjorn"][1] == "Björn, B."
    assert memberships("engineering") == {"zoe": "member", "yusuf": "member"}
    assert memberships("comms") == {"zoe": "publisher"}
    assert out.splitlines()[0] == "created 3, updated 0, unchanged 0"


def test_a_bad_row_after_a_multiline_field_is_numbered_as_in_the_file(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = HEADER + 'alice,alice@corp.example,"Alice\nArcher",,,\nbob,bob@corp.example,,chief,,\n'
    code, _, err = run(capsys, "account", "import", write(tmp_path, text))
    assert code == 1
    assert err.startswith("line 4: unknown role 'chief'")


def test_the_file_may_come_from_standard_input(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO((HEADER + "alice,alice@corp.example,,,,\n").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run(capsys, "account", "import", "-")
    assert code == 0
    assert out.splitlines()[0] == "created 1, updated 0, unchanged 0"


# --- the audit log --------------------------------------------------------------------------------


def test_every_change_is_in_the_admin_audit_log_by_the_os_user(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, employees=(("alice", "alice@old.example", Role.STAFF),), departments=("engineering", "sales"),
         members=(("sales", "alice", MemberRole.MEMBER),))
    path = write(tmp_path, HEADER + "alice,alice@corp.example,Alice A,publisher,engineering:publisher,\n"
                                    "bob,bob@corp.example,Bob,,engineering,\n")
    assert run(capsys, "account", "import", "--prune-memberships", path)[0] == 0

    entries = audit_log()
    assert {entry[0] for entry in entries} == {ACTOR}
    assert {entry[4] for entry in entries} == {f"insideout account import {path}"}
    actions = [(action, target, detail) for _, action, target, detail, _ in entries]
    alice_id, bob_id = account_id("alice"), account_id("bob")
    assert actions == [
        ("account.role", "account", {"before": "staff", "after": "publisher"}),
        ("account.update", "account", {"email.before": "alice@old.example", "email.after": "alice@corp.example",
                                       "display_name.before": "Alice", "display_name.after": "Alice A"}),
        ("department.member_set", "department", {"account_id": alice_id, "role": "publisher"}),
        ("department.member_removed", "department", {"account_id": alice_id}),
        ("account.create", "account", {"username": "bob", "email": "bob@corp.example", "display_name": "Bob",
                                       "role": "staff", "local_login": "false"}),
        ("department.member_set", "department", {"account_id": bob_id, "role": "member"}),
    ]


# --- all or nothing, and at scale -----------------------------------------------------------------


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = open_storage(fresh_database(tmp_path, "import.sqlite3"))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.anyio
async def test_a_failure_while_applying_rolls_everything_back(storage: Storage, key_pair: KeyPair) -> None:
    async def fixed() -> KeyPair:
        return key_pair

    # Given a good plan for twenty new people
    importer = StaffImport(storage, key_pairs=fixed)
    rows = "".join(f"user{n},user{n}@corp.example,,,,\n" for n in range(20))
    plan = await importer.plan((HEADER + rows).encode(), ImportOptions())
    assert isinstance(plan, ImportPlan)
    # When someone takes one of the usernames between the plan and the writing
    await storage.accounts.create_local(
        NewAccount(AccountKind.EMPLOYEE, "user15", "", key_pair.public_pem, key_pair.private_pem),
        NewUser("other@corp.example", "x"),
    )
    with pytest.raises(Conflict):
        await importer.apply(plan, actor="cli:test", reason="test")
    # Then the fifteen written before it are gone with it
    assert [account.username for account, _ in await storage.accounts.list_users()] == ["user15"]
    assert await storage.admin.actions() == []


@pytest.mark.anyio
async def test_a_rejection_lists_problems_in_line_order(storage: Storage) -> None:
    text = HEADER + "a,a@corp.example,,,nowhere,\nb b,b@corp.example,,,,\nA,x@corp.example,,,,\n"
    result = await StaffImport(storage).plan(text.encode())
    assert isinstance(result, Rejection)
    assert [str(problem) for problem in result.problems] == [
        "line 2: no department 'nowhere'; create it first (`insideout department create`), or import with "
        "--create-departments",
        "line 3: Invalid username 'b b': use 1 to 30 letters, digits or underscores",
        "line 4: username 'A' is also on line 2",
    ]


def test_two_thousand_rows_take_a_few_seconds(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], key_pair: KeyPair
) -> None:
    seed(key_pair, departments=("engineering", "sales", "comms"))
    rows = [f"person{n},person{n}@corp.example,Person {n},staff,{('engineering', 'sales', 'comms')[n % 3]},\n"
            for n in range(2000)]
    path = write(tmp_path, HEADER + "".join(rows))

    started = time.monotonic()
    code, out, err = run(capsys, "account", "import", "--quiet", path)
    first = time.monotonic() - started
    assert code == 0, err
    assert out.splitlines()[0] == "created 2000, updated 0, unchanged 0"
    assert err == ""

    started = time.monotonic()
    code, out, _ = run(capsys, "account", "import", path)
    again = time.monotonic() - started
    assert out.splitlines()[0] == "created 0, updated 0, unchanged 2000"
    assert len(people()) == 2000
    assert len(memberships("sales")) == 667
    assert first < 30, f"{first:.1f} s to import 2,000 new rows"
    assert again < 10, f"{again:.1f} s to check 2,000 unchanged rows"
