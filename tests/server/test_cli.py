"""Every CLI command, driven as an admin would, including its bad input."""

from __future__ import annotations

import asyncio
import io
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.bootstrap import prepare_instance
from server.cli import main
from server.config import load_settings
from storage import open_storage
from tests.idp_harness import OidcIdp

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
    code, out, _ = run(capsys, "db", "check")
    assert code == 1 and "0001_initial.sql" in out


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
