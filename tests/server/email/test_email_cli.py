"""``insideout email test ADDRESS`` says exactly what happened; ``[email]`` takes its password from the environment.

Given a real SMTP server (with a login, for the password cases); when the
command runs, then a mail arrives and it prints where it was sent; a
server that is down prints "connection refused" with host and port and
exits 1; a wrong password prints "authentication failed" and exits 1
(the password itself appears nowhere); no ``[email]`` section exits 2.
``insideout email digest --now`` queues this week's digest once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from activitypub.errors import ConfigError
from server.cli import main
from server.config import load_settings
from tests.backends import fresh_database
from tests.server.email.conftest import PASSWORD, USER, SmtpServer


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The command points the root logger at this test's captured stderr; the SMTP server's thread logs on after.
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    logging.getLogger("uvicorn.access").disabled = False


def environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer | None, **more: str) -> None:
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSIDEOUT_STORAGE_DATABASE", fresh_database(tmp_path))
    for name, value in (smtp.environ(**more) if smtp else more).items():
        monkeypatch.setenv(name, value)


def test_a_test_mail_arrives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer,
                             capsys: pytest.CaptureFixture[str]) -> None:
    environ(tmp_path, monkeypatch, smtp)

    code = main(["email", "test", "ops@example.com"])

    out = capsys.readouterr().out
    assert code == 0
    assert out == f"Sent a test mail to ops@example.com through 127.0.0.1:{smtp.port} (none).\n"
    [message] = smtp.inbox.to("ops@example.com")
    assert message["Subject"] == "Test mail from Insideout"
    assert message.get_content_type() == "multipart/alternative"


def test_a_server_that_is_down_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_down: SmtpServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    environ(tmp_path, monkeypatch, smtp_down)

    code = main(["email", "test", "ops@example.com"])

    assert code == 1
    assert capsys.readouterr().err == (f"insideout: error: test mail to ops@example.com not sent: connection refused"
                                       f" by 127.0.0.1:{smtp_down.port}\n")


def test_the_password_comes_from_the_environment_and_stays_out_of_sight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_with_login: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, smtp_with_login, INSIDEOUT_EMAIL_SMTP_USER=USER,
            INSIDEOUT_EMAIL_SMTP_PASSWORD=PASSWORD)

    settings = load_settings()
    code = main(["email", "test", "ops@example.com"])

    assert settings.email is not None
    assert settings.email.smtp_password == PASSWORD
    assert PASSWORD not in repr(settings)
    assert code == 0
    assert PASSWORD not in capsys.readouterr().out
    assert len(smtp_with_login.inbox.to("ops@example.com")) == 1


def test_a_wrong_password_is_an_authentication_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_with_login: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, smtp_with_login, INSIDEOUT_EMAIL_SMTP_USER=USER,
            INSIDEOUT_EMAIL_SMTP_PASSWORD="wrong-S3CRET")

    code = main(["email", "test", "ops@example.com"])

    err = capsys.readouterr().err
    assert code == 1
    assert f"authentication failed at 127.0.0.1:{smtp_with_login.port} for user 'insideout': 535" in err
    assert "wrong-S3CRET" not in err
    assert smtp_with_login.inbox.received == []


def test_without_an_email_section_the_command_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, None)

    code = main(["email", "test", "ops@example.com"])

    assert code == 2
    assert "email is off: add an [email] section" in capsys.readouterr().err


def test_a_bad_address_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    environ(tmp_path, monkeypatch, smtp)

    code = main(["email", "test", "not an address"])

    assert code == 2
    assert "not a mail address: 'not an address'" in capsys.readouterr().err
    assert smtp.inbox.received == []


def test_the_digest_can_be_started_now_and_runs_once_a_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    environ(tmp_path, monkeypatch, smtp)

    first = main(["email", "digest", "--now"])
    first_out = capsys.readouterr().out
    second = main(["email", "digest", "--now"])
    second_out = capsys.readouterr().out

    assert first == 0
    assert "mails queued" in first_out
    assert second == 0
    assert "has already run" in second_out


def test_no_email_section_means_no_email_and_a_half_section_names_what_is_missing(tmp_path: Path) -> None:
    base = {"INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"), "INSIDEOUT_STORAGE_DATABASE": fresh_database(tmp_path)}
    config = tmp_path / "insideout.toml"
    config.write_text('[email]\nsmtp_host = "smtp.example.com"\nsmtp_security = "ssl"\nfrom_address = "a@example.com"\n')

    assert load_settings(None, base).email is None
    with pytest.raises(ConfigError, match=r"^\[email\] smtp_host: Field required$"):
        load_settings(None, {**base, "INSIDEOUT_EMAIL_SMTP_PASSWORD": "x"})
    with pytest.raises(ConfigError, match=r"^\[email\] smtp_security: Input should be 'starttls', 'tls' or 'none'$"):
        load_settings(config, base)
