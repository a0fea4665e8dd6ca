"""Talking to the organisation's SMTP server: the stdlib ``smtplib``, run in a thread.

One ``SmtpConnection`` carries a batch of mails (connect, STARTTLS or TLS,
log in, then one ``send_message`` per mail) so a batch costs one handshake.
No new dependency: ``smtplib`` is blocking, so every call runs through
``asyncio.to_thread``; the worker sends one batch at a time.

Every failure becomes a ``SmtpProblem`` that says what failed in words an
operator acts on (connection refused at host:port, the TLS handshake,
authentication, a refused sender or recipient) and whether it is worth
trying again: a 4xx reply or a connection problem is, a 5xx for one
recipient is not. The password is handed to ``login`` and to nothing else;
no message here carries it.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from types import TracebackType

from server.config import EmailSettings


class SmtpProblem(Exception):
    def __init__(self, message: str, *, retry: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.status = status


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())}"


def describe(exc: BaseException, settings: EmailSettings) -> SmtpProblem:
    """What went wrong, in an operator's words, and whether a later attempt may succeed."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(exc, SmtpProblem):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpProblem(f"authentication failed at {where} for user {settings.smtp_user!r}: "
                           f"{_reply(exc.smtp_code, exc.smtp_error)}", retry=True, status=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return SmtpProblem(f"recipient refused by {where}: {_reply(code, text)}", retry=400 <= code < 500,
                           status=code)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SmtpProblem(f"sender {exc.sender!r} refused by {where}: {_reply(exc.smtp_code, exc.smtp_error)}",
                           retry=True, status=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpProblem(f"{where} does not offer what [email] asks for: {exc}", retry=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        return SmtpProblem(f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}",
                           retry=exc.smtp_code < 500, status=exc.smtp_code)
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return SmtpProblem(f"TLS failed with {where} ({settings.smtp_security}): {exc}", retry=True)
    if isinstance(exc, ConnectionRefusedError):
        return SmtpProblem(f"connection refused by {where}", retry=True)
    if isinstance(exc, socket.gaierror):
        return SmtpProblem(f"cannot resolve {settings.smtp_host}: {exc.strerror}", retry=True)
    if isinstance(exc, TimeoutError | socket.timeout):
        return SmtpProblem(f"no answer from {where} within {settings.timeout_seconds:g}s", retry=True)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpProblem(f"{where} closed the connection: {exc}", retry=True)
    if isinstance(exc, OSError):
        return SmtpProblem(f"cannot reach {where}: {exc.strerror or exc}", retry=True)
    return SmtpProblem(f"sending through {where} failed: {type(exc).__name__}: {exc}", retry=True)


class SmtpConnection:
    """One session with the server; ``async with`` opens it and says goodbye (QUIT) at the end."""

    def __init__(self, settings: EmailSettings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._context = tls_context or ssl.create_default_context()
        self._client: smtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpConnection:
        try:
            self._client = await asyncio.to_thread(self._open)
        except Exception as exc:
            raise describe(exc, self._settings) from None
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await asyncio.to_thread(_quit, self._client)
            self._client = None

    def _open(self) -> smtplib.SMTP:
        settings = self._settings
        timeout = settings.timeout_seconds
        client: smtplib.SMTP
        if settings.smtp_security == "tls":
            client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=self._context)
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        try:
            client.ehlo()
            if settings.smtp_security == "starttls":
                if not client.has_extn("starttls"):
                    raise SmtpProblem(f"{settings.smtp_host}:{settings.smtp_port} does not offer STARTTLS"
                                      " (set smtp_security = \"tls\" or \"none\")", retry=True)
                client.starttls(context=self._context)
                client.ehlo()
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
        except BaseException:
            _quit(client)
            raise
        return client

    async def send(self, message: EmailMessage) -> None:
        """Hand one message over; a ``SmtpProblem`` says why not."""
        if self._client is None:
            raise RuntimeError("send() outside `async with`")
        client = self._client
        try:
            await asyncio.to_thread(client.send_message, message)
        except Exception as exc:
            raise describe(exc, self._settings) from None


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
