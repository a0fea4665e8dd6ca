"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, keeping what arrives for the test to parse.

``smtp`` starts one on a free port (and stops it after the test);
``smtp_down`` is a port where none listens until the test calls ``start()``,
as a mail server that is down and comes up. ``smtp_with_login`` wants
STARTTLS (a self-signed certificate for 127.0.0.1, which the test's
``SSL_CERT_FILE`` trusts) and then a login, as a real relay does.
"""

from __future__ import annotations

import email
import ipaddress
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from storage.clock import utcnow
from tests.server.api.live import free_port

USER = "insideout"
PASSWORD = "smtp-secret-S3CRET"


@dataclass
class Inbox:
    """What the server accepted: the envelope recipients and the parsed message, in order."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(([str(r) for r in envelope.rcpt_tos], message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpts, message in self.received if address in rcpts]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = utcnow()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class SmtpServer:
    def __init__(self, *, tls_files: tuple[Path, Path] | None = None) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._tls_files = tls_files
        self._controller: Controller | None = None

    @property
    def certificate(self) -> Path | None:
        return self._tls_files[0] if self._tls_files else None

    def start(self) -> None:
        # aiosmtpd logs each session from its own thread, which can outlive a test's captured stderr;
        # what the tests need of it is what arrives, so its log stays out of the handlers pytest swaps.
        logging.getLogger("mail.log").propagate = False
        extra: dict[str, Any] = {}
        if self._tls_files:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self._tls_files)
            extra = {"tls_context": context, "require_starttls": True, "auth_required": True,
                     "auth_require_tls": True, "authenticator": _authenticate}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def environ(self, **more: str) -> dict[str, str]:
        """The ``[email]`` settings, as environment overrides, that send here."""
        env = {"INSIDEOUT_EMAIL_SMTP_HOST": "127.0.0.1", "INSIDEOUT_EMAIL_SMTP_PORT": str(self.port),
               "INSIDEOUT_EMAIL_SMTP_SECURITY": "starttls" if self._tls_files else "none",
               "INSIDEOUT_EMAIL_FROM_ADDRESS": "staff-news@example.com",
               "INSIDEOUT_EMAIL_TIMEOUT_SECONDS": "5"}
        env.update(more)
        return env


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_with_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer(tls_files=self_signed(tmp_path))
    # ssl.create_default_context() trusts what SSL_CERT_FILE names: here, the server's own certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A port where no server listens (yet): ``start()`` brings one up there."""
    server = SmtpServer()
    yield server
    server.stop()
