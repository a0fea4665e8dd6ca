"""The outbox is a stored, leased queue: a refusing or absent server leaves mails queued, not lost.

Given a mention mail due while no SMTP server listens; when the worker runs,
then the row stays pending with "connection refused" and the host and port
recorded, and a later attempt; when the server comes up and the retry time
comes, then the mail is delivered once. A server that refuses the recipient
for good (5xx) fails that row alone. Over STARTTLS, a wrong password keeps
the mail queued with "authentication failed" and the password nowhere.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from storage.mail import MailState
from tests.server.email.conftest import PASSWORD, USER, SmtpServer
from tests.server.email.mail_site import AWAY, mail_site

pytestmark = pytest.mark.anyio


async def test_an_absent_server_leaves_the_mail_queued_until_it_comes_up(
    tmp_path: Path, smtp_down: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp_down) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.post(alice, "@bob are you there?")

        await s.run_mail(later=AWAY)
        [waiting] = await s.outbox("bob")
        smtp_down.start()
        not_yet = await s.run_mail(later=AWAY)  # the retry time has not come
        await s.run_mail(later=AWAY + timedelta(hours=7))  # past the longest first backoff

        assert waiting.state is MailState.PENDING
        assert waiting.attempts == 1
        assert waiting.last_error == f"connection refused by 127.0.0.1:{smtp_down.port}"
        assert waiting.next_attempt_at > waiting.created_at + AWAY
        assert not_yet == 0
        [sent] = await s.outbox("bob")
        assert sent.state is MailState.SENT
        assert sent.attempts == 2
        assert len(smtp_down.inbox.to("bob@example.com")) == 1


async def test_a_server_that_refuses_a_recipient_for_good_fails_that_mail_only(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async def refuse_bob(server: object, session: object, envelope: object, address: str, options: object) -> str:
        if address.startswith("bob@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    smtp.inbox.handle_RCPT = refuse_bob  # type: ignore[attr-defined]
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.employee("carol")
        await s.post(alice, "@bob @carol hello")

        await s.run_mail(later=AWAY)

        [bob_row] = await s.outbox("bob")
        [carol_row] = await s.outbox("carol")
        assert bob_row.state is MailState.FAILED
        assert bob_row.last_status == 550
        assert bob_row.last_error is not None and "recipient refused" in bob_row.last_error
        assert carol_row.state is MailState.SENT
        assert len(smtp.inbox.to("carol@example.com")) == 1


async def test_a_wrong_password_keeps_the_mail_queued_and_the_password_out_of_sight(
    tmp_path: Path, smtp_with_login: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with mail_site(tmp_path, smtp_with_login, INSIDEOUT_EMAIL_SMTP_USER=USER,
                         INSIDEOUT_EMAIL_SMTP_PASSWORD="wrong-S3CRET") as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.post(alice, "@bob over STARTTLS")

        with caplog.at_level(logging.DEBUG):
            await s.run_mail(later=AWAY)

        [row] = await s.outbox("bob")
        assert row.state is MailState.PENDING
        assert row.last_status == 535
        assert row.last_error is not None
        assert row.last_error.startswith(f"authentication failed at 127.0.0.1:{smtp_with_login.port}")
        assert "wrong-S3CRET" not in row.last_error
        assert "wrong-S3CRET" not in caplog.text
        assert smtp_with_login.inbox.received == []


async def test_over_starttls_with_the_right_password_the_mail_arrives(
    tmp_path: Path, smtp_with_login: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp_with_login, INSIDEOUT_EMAIL_SMTP_USER=USER,
                         INSIDEOUT_EMAIL_SMTP_PASSWORD=PASSWORD) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.post(alice, "@bob over STARTTLS")

        await s.run_mail(later=AWAY)

        assert len(smtp_with_login.inbox.to("bob@example.com")) == 1
