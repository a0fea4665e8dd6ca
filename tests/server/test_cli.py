"""Every CLI command, driven as an admin would, including its bad input."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.bootstrap import prepare_instance
from server.cli import build_parser, main
from server.cli.common import Access
from server.config import load_settings
from server.media.stores import build_media_store
from storage import open_storage
from tests.idp_harness import OidcIdp
from tests.s3_server import S3Server, key_prefix_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[storage]\ndata_dir = "data"\ndatabase = "data/insideout.sqlite3"\n')
    monkeypatch.setenv("INSIDEOUT_CONFIG", str(path))
    return path


async def start_once() -> None:
    settings = load_settings()
    storage = open_storage(settings.storage.database)
    await storage.open()
    await prepare_instance(settings, storage)
    await storage.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_lists_every_command_and_each_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    top = capsys.readouterr().out
    for command in ("serve", "worker", "db", "account", "department", "backup", "export", "import"):
        assert command in top
    for argv in (
        ["serve"], ["db", "migrate"], ["db", "check"], ["account", "create"], ["account", "list"],
        ["account", "set-role"], ["account", "disable"], ["account", "enable"], ["account", "reset-password"],
        ["department", "create"], ["department", "list"], ["department", "members"],
        ["department", "add-member"], ["department", "remove-member"], ["backup"], ["account", "rotate-key"],
        ["status", "publish"], ["status", "unpublish"], ["worker"], ["export"], ["import"], ["sso", "check"],
        ["account", "import"], ["scim", "token", "create"], ["scim", "token", "list"], ["scim", "token", "revoke"],
    ):
        with pytest.raises(SystemExit) as done:
            main([*argv, "--help"])
        assert done.value.code == 0
        assert "usage: insideout" in capsys.readouterr().out


def test_the_installed_console_script_runs() -> None:
    script = Path(sys.executable).parent / "insideout"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0 and "account" in result.stdout


def test_db_migrate_then_check(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "migrate")
    assert code == 0 and "applied 0001_initial.sql" in out
    code, out, _ = run(capsys, "db", "migrate")
    assert code == 0 and "up to date" in out
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and "up to date" in out


def test_db_check_reports_pending_migrations_with_exit_1(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (config.parent / "data").mkdir()
    sqlite3.connect(config.parent / "data" / "insideout.sqlite3").close()  # an empty database, never migrated
    code, out, _ = run(capsys, "db", "check")
    assert code == 1 and "0001_initial.sql" in out


# Each command that only reads, with the arguments it needs to run.
READ_ONLY_COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("account", "list"): [], ("department", "list"): [], ("department", "members"): ["eng"],
    ("status", "queue"): [], ("audit",): [], ("scim", "token", "list"): [], ("db", "check"): [],
    ("export",): ["out.json"], ("backup",): ["copy"], ("announcement", "list"): [],
    ("analytics", "reach"): ["1"], ("analytics", "adoption"): [], ("analytics", "campaign"): ["launch"],
}
READ_ONLY_ARGV = [[*words, *rest] for words, rest in READ_ONLY_COMMANDS.items()] + [
    ["account", "import", "staff.csv", "--dry-run"],
]


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every runnable command, by its words, with the access it declares."""
    found: dict[tuple[str, ...], Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(leaf_commands(sub, (*prefix, name)))
    if not found and prefix:
        found[prefix] = parser.get_default("access")
    return found


def test_the_read_only_commands_are_exactly_those_declared_so() -> None:
    commands = leaf_commands(build_parser())
    assert {words for words, access in commands.items() if access is Access.READS} == set(READ_ONLY_COMMANDS)
    assert commands[("sso", "check")] is Access.NONE
    assert callable(commands[("account", "import")]), "--dry-run only reads"


@pytest.mark.parametrize("argv", READ_ONLY_ARGV, ids=" ".join)
def test_a_read_only_command_never_creates_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # Given a config file whose database does not exist yet, and a command run from another folder
    instance, elsewhere = tmp_path / "instance", tmp_path / "elsewhere"
    instance.mkdir()
    elsewhere.mkdir()
    (instance / "config.toml").write_text('[storage]\ndatabase = "data/insideout.sqlite3"\n')
    (elsewhere / "staff.csv").write_text("username,email\nalice,alice@example.com\n")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("INSIDEOUT_CONFIG", "../instance/config.toml")

    # When a command that only reads runs
    code, out, err = run(capsys, *argv)

    # Then it fails in one line that names the path and the way to create it, and creates nothing
    database = instance / "data" / "insideout.sqlite3"
    assert code == 2
    assert err == (f"insideout: error: no database at {database};"
                   " run `insideout serve` or `insideout db migrate` first\n")
    assert out == ""
    assert sorted(path.name for path in instance.iterdir()) == ["config.toml"], "no database, no data folder"
    assert sorted(path.name for path in elsewhere.iterdir()) == ["staff.csv"]


def test_commands_that_write_create_the_database_beside_the_config_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    instance, elsewhere = tmp_path / "instance", tmp_path / "elsewhere"
    instance.mkdir()
    elsewhere.mkdir()
    (instance / "config.toml").write_text('[storage]\ndatabase = "db/insideout.sqlite3"\n')
    monkeypatch.chdir(elsewhere)
    config_arg = ("--config", "../instance/config.toml")

    code, _, err = run(capsys, *config_arg, "account", "create", "alice", "--email", "a@example.com",
                       "--password", "long enough pw")
    assert code == 0, err
    assert (instance / "db" / "insideout.sqlite3").is_file()
    assert (instance / "data").is_dir()
    assert list(elsewhere.iterdir()) == []
    code, out, _ = run(capsys, *config_arg, "account", "list")
    assert code == 0
    assert " alice " in out


def test_account_list_from_another_folder_in_a_real_process(tmp_path: Path) -> None:
    instance, elsewhere = tmp_path / "instance", tmp_path / "elsewhere"
    instance.mkdir()
    elsewhere.mkdir()
    (instance / "config.toml").write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSIDEOUT_")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "server.cli", "--config", str(instance / "config.toml"), "account", "list"]

    refused = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=elsewhere, env=env)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"insideout: error: no database at {instance / 'data' / 'insideout.sqlite3'};"
                                      " run `insideout serve` or `insideout db migrate` first")
    assert "Traceback" not in refused.stderr
    assert list(elsewhere.iterdir()) == []
    assert sorted(path.name for path in instance.iterdir()) == ["config.toml"]

    migrate = [*command[:-2], "db", "migrate"]
    assert subprocess.run(migrate, capture_output=True, timeout=60, cwd=elsewhere, env=env).returncode == 0
    listed = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=elsewhere, env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["ID", "USERNAME", "EMAIL", "ROLE", "STATE", "EXPOSED", "SIGN-IN"]
    assert list(elsewhere.iterdir()) == []


def test_sso_check_needs_no_database_and_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("INSIDEOUT_CONFIG", str(tmp_path / "config.toml"))
    code, _, err = run(capsys, "sso", "check")
    assert code == 1
    assert "single sign-on is off" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.toml"]


def test_account_lifecycle(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "account", "create", "alice", "--email", "alice@example.com",
                       "--password", "correct horse battery", "--role", "publisher", "--display-name", "Alice A.")
    assert code == 0 and "Created alice (publisher)" in out
    code, out, _ = run(capsys, "account", "create", "root", "--email", "root@example.com", "--password",
                       "another long password", "--role", "admin", "--local-login")
    assert code == 0 and "Created root (admin, break-glass password)" in out

    code, out, _ = run(capsys, "account", "list")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "USERNAME", "EMAIL", "ROLE", "STATE", "EXPOSED", "SIGN-IN"]
    assert lines[1].split()[1:] == ["alice", "alice@example.com", "publisher", "active", "no", "password"]
    assert lines[2].split()[1:] == ["root", "root@example.com", "admin", "active", "no", "break-glass"]

    code, out, _ = run(capsys, "account", "set-role", "alice", "admin")
    assert code == 0 and "alice is now admin" in out
    code, out, _ = run(capsys, "account", "disable", "alice")
    assert code == 0 and "Disabled alice" in out
    code, out, _ = run(capsys, "account", "list")
    alice_row = next(line.split() for line in out.splitlines() if " alice " in line)
    assert alice_row[3:5] == ["staff", "disabled"]  # offboarding withdraws the role too
    code, out, _ = run(capsys, "account", "enable", "alice")
    assert code == 0


def test_password_from_stdin_and_reset(config: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin secret\n"))
    code, _, _ = run(capsys, "account", "create", "bob", "--email", "bob@example.com", "--password-stdin")
    assert code == 0
    code, out, _ = run(capsys, "account", "reset-password", "bob")
    assert code == 0 and "New password for bob: " in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("a chosen new password\n"))
    code, out, _ = run(capsys, "account", "reset-password", "bob", "--password-stdin")
    assert code == 0 and "New password" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["account", "create", "bad name", "--email", "x@example.com", "--password", "long enough pw"],
         "Invalid username"),
        (["account", "create", "carol", "--email", "not-an-email", "--password", "long enough pw"],
         "Invalid email address"),
        (["account", "create", "carol", "--email", "c@example.com", "--password", "short"], "too short"),
        (["account", "create", "Taken", "--email", "new@example.com", "--password", "long enough pw"],
         "already taken"),
        (["account", "create", "carol", "--email", "TAKEN@example.com", "--password", "long enough pw"],
         "already in use"),
        (["account", "create", "company", "--email", "c@example.com", "--password", "long enough pw"],
         "already taken"),
        (["account", "set-role", "ghost", "admin"], "No employee account named 'ghost'"),
        (["account", "disable", "taken"], "last admin"),
        (["department", "add-member", "nowhere", "taken"], "No department named 'nowhere'"),
        (["department", "remove-member", "eng", "taken"], "is not a member"),
        (["department", "create", "eng", "--name", "Again"], "already taken"),
        (["department", "create", "taken", "--name", "Clash"], "already taken"),
        (["department", "create", "new-dept", "--name", "X"], "Invalid username"),
        (["department", "members", "taken"], "No department named 'taken'"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    config: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(capsys, "account", "create", "taken", "--email", "taken@example.com", "--password",
               "long enough pw", "--role", "admin")[0] == 0
    assert run(capsys, "department", "create", "eng", "--name", "Engineering")[0] == 0
    asyncio.run(start_once())  # the company account exists once the server has started

    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("insideout: error: ") and message in err, err
    assert "Traceback" not in err


def test_bad_config_stops_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[server]\nbase_url = "not a url"\n')
    code, _, err = run(capsys, "--config", str(path), "db", "migrate")
    assert code == 2 and err.startswith("insideout: error: [server] base_url:") and err.count("\n") == 1
    monkeypatch.setenv("INSIDEOUT_SERVER_PORT", "-1")
    code, _, err = run(capsys, "account", "list", "--config", str(tmp_path / "absent.toml"))
    assert code == 2 and "config file not found" in err


def test_argument_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as done:
        main(["account", "create", "alice", "--email", "a@example.com"])
    assert done.value.code == 2
    with pytest.raises(SystemExit) as done:
        main(["account", "set-role", "alice", "emperor"])
    assert done.value.code == 2


def test_departments(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", "long enough pw")
    code, out, _ = run(capsys, "department", "create", "engineering", "--name", "Engineering")
    assert code == 0 and "Created department engineering (Engineering)" in out
    assert run(capsys, "department", "add-member", "engineering", "alice")[0] == 0
    code, out, _ = run(capsys, "department", "add-member", "engineering", "alice", "--role", "publisher")
    assert code == 0 and "alice is a publisher of engineering" in out
    code, out, _ = run(capsys, "department", "members", "engineering")
    assert out.splitlines()[1].split() == ["alice", "publisher"]
    code, out, _ = run(capsys, "department", "list")
    assert out.splitlines()[1].split()[1:] == ["engineering", "Engineering", "1", "yes"]
    assert run(capsys, "department", "remove-member", "engineering", "alice")[0] == 0
    code, out, _ = run(capsys, "department", "list")
    assert out.splitlines()[1].split()[3] == "0"


def test_backup_copies_database_and_files_and_warns_about_keys(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", "long enough pw")
    media = tmp_path / "data" / "media" / "ab"
    media.mkdir(parents=True)
    (media / "file.png").write_bytes(b"png-bytes")

    code, out, err = run(capsys, "backup", str(tmp_path / "backup"))

    assert code == 0 and "private keys" in err and "100%" in err
    with sqlite3.connect(tmp_path / "backup" / "insideout.sqlite3") as copy:
        (key,) = copy.execute("SELECT private_key_pem FROM accounts WHERE username = 'alice'").fetchone()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "backup" / "data" / "media" / "ab" / "file.png").read_bytes() == b"png-bytes"
    assert not (tmp_path / "backup" / "data" / "insideout.sqlite3").exists()
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0

    code, _, err = run(capsys, "backup", str(tmp_path / "backup"))
    assert code == 2 and "not an empty directory" in err


def test_backup_on_a_bucket_copies_its_objects_where_a_local_store_keeps_them(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in s3_server.environ(key_prefix_for(tmp_path)).items():
        monkeypatch.setenv(name, value)
    key = "media/" + "Ab1" * 10 + "xy/original.jpg"
    asyncio.run(build_media_store(load_settings()).put(key, b"jpeg-bytes", "image/jpeg"))
    run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", "long enough pw")

    code, out, err = run(capsys, "backup", str(tmp_path / "backup"))

    assert code == 0
    assert "1 objects" in err
    assert (tmp_path / "backup" / "data" / key).read_bytes() == b"jpeg-bytes"


async def _post(text: str, visibility: str = "public") -> int:
    from server.events import InProcessEventBus
    from server.passwords import Passwords
    from server.services.container import build_services
    from server.services.statuses import StatusDraft
    from storage.models import Visibility

    settings = load_settings()
    storage = open_storage(settings.storage.database)
    await storage.open()
    try:
        await prepare_instance(settings, storage)
        services = build_services(storage, settings, InProcessEventBus(), Passwords())
        author = await storage.accounts.get_local("alice")
        assert author is not None
        status = await services.statuses.create(author, StatusDraft(text=text, visibility=Visibility(visibility)))
        return status.id
    finally:
        await storage.close()


def test_status_publish_and_unpublish(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "account", "create", "alice", "--email", "a@example.com", "--password", "long enough pw")
    shared = asyncio.run(_post("for partners"))
    private = asyncio.run(_post("for followers", "private"))

    code, out, _ = run(capsys, "status", "publish", str(shared), "--reason", "launch")
    assert code == 0 and f"/users/alice/statuses/{shared}" in out
    code, _, err = run(capsys, "status", "publish", str(shared))
    assert code == 2 and "already published" in err
    code, out, _ = run(capsys, "status", "unpublish", str(shared))
    assert code == 0 and "410" in out
    code, _, err = run(capsys, "status", "unpublish", str(shared))
    assert code == 2 and "not published" in err
    code, out, _ = run(capsys, "status", "publish", str(shared))
    assert code == 0 and f"/users/alice/statuses/{shared}-2" in out, "a new epoch mints a new URI"

    code, _, err = run(capsys, "status", "publish", str(private))
    assert code == 2 and "Only public or unlisted posts can be published" in err
    code, _, err = run(capsys, "status", "publish", "123")
    assert code == 2 and "No status 123" in err
    code, _, err = run(capsys, "status", "publish", "not-an-id")
    assert code == 2 and "not a status id" in err


def test_rotate_key_changes_the_stored_key(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(start_once())
    with sqlite3.connect(config.parent / "data" / "insideout.sqlite3") as db:
        (before,) = db.execute("SELECT public_key_pem FROM accounts WHERE username = 'company'").fetchone()
    code, out, _ = run(capsys, "account", "rotate-key", "company")
    with sqlite3.connect(config.parent / "data" / "insideout.sqlite3") as db:
        (after,) = db.execute("SELECT public_key_pem FROM accounts WHERE username = 'company'").fetchone()
    assert code == 0 and "Rotated the key of company" in out and before != after
    code, _, err = run(capsys, "account", "rotate-key", "nobody")
    assert code == 2 and "No local account named 'nobody'" in err


def test_sso_check_prints_what_a_real_provider_offers(
    oidc_idp: OidcIdp, config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider listens on 127.0.0.1: only its being the configured issuer lets the client reach it.
    monkeypatch.setenv("INSIDEOUT_SSO_ISSUER", oidc_idp.issuer)
    monkeypatch.setenv("INSIDEOUT_SSO_CLIENT_ID", oidc_idp.client_id)
    monkeypatch.setenv("INSIDEOUT_SSO_CLIENT_SECRET", oidc_idp.client_secret)
    code, out, err = run(capsys, "sso", "check")
    assert code == 0, err
    assert f"token:           {oidc_idp.endpoint('token')}" in out
    assert "ID token signed: RS256" in out and "keys:            1 (" in out
    assert "redirect URI:    http://127.0.0.1:8000/auth/sso/callback" in out
    assert oidc_idp.client_secret not in out + err


def test_sso_check_says_in_one_line_what_is_wrong(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "sso", "check")
    assert code == 1 and "single sign-on is off" in err
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("INSIDEOUT_SSO_ISSUER", f"http://127.0.0.1:{closed}/realm")
    monkeypatch.setenv("INSIDEOUT_SSO_CLIENT_ID", "insideout")
    monkeypatch.setenv("INSIDEOUT_SSO_CLIENT_SECRET", "secret")
    code, _, err = run(capsys, "sso", "check")
    assert code == 1
    assert err.count("\n") == 1 and f"http://127.0.0.1:{closed}/realm: Could not reach" in err
