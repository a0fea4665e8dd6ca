"""Mentions and direct messages are mailed to people away from every app, through a real SMTP server.

Given the app with ``[email]`` pointing at aiosmtpd; when alice mentions bob
(who has opened no app) and carol (who reads her home timeline after the
mention), then once the away time has passed bob's mail arrives, parsed as
his mail program would, with a text and an HTML part, the one-click
unsubscribe headers and links back into the web app, and carol gets
nothing: her row is cancelled because she was seen in an app. A person
deactivated after the mail was queued gets nothing either, and a person
whose app holds a stream open is not away.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from server.mastodon.stream_session import StreamingOptions
from storage.mail import MailState
from tests.server.api.live import SseReader, live
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import AWAY, MailSite, mail_site
from tests.server.helpers import app_for, bearer, settings_for, staff_token

pytestmark = pytest.mark.anyio


async def test_a_mention_is_mailed_to_an_away_person_and_not_to_one_active_in_an_app(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        carol = await s.employee("carol")
        status_id = await s.post(alice, "@bob @carol the figures are in <script>alert(1)</script>")
        reading = await s.client.get("/api/v1/timelines/home", headers=carol)

        too_early = await s.run_mail()
        handled = await s.run_mail(later=AWAY)

        assert reading.status_code == 200
        assert too_early == 0
        assert handled == 2
        assert smtp.inbox.to("carol@example.com") == []
        [carol_row] = await s.outbox("carol")
        assert carol_row.state is MailState.CANCELLED
        assert carol_row.last_error == "seen in an app"
        [message] = smtp.inbox.to("bob@example.com")
        [bob_row] = await s.outbox("bob")
        assert bob_row.state is MailState.SENT
        assert message["To"] == "bob@example.com"
        assert "staff-news@example.com" in message["From"]
        assert message["Subject"] == "alice mentioned you"
        assert message["Message-ID"]
        assert message["Date"]
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None and html is not None
        text_part, html_part = text.get_content(), html.get_content()
        assert "the figures are in" in text_part
        assert f"/@alice/{status_id}" in text_part
        assert "/notifications" in text_part
        assert "<script>" not in html_part
        assert f'href="http://127.0.0.1:8000/@alice/{status_id}"' in html_part
        unsubscribe = re.fullmatch(r"<(http://127\.0\.0\.1:8000/mail/unsubscribe/[^>]+)>", message["List-Unsubscribe"])
        assert unsubscribe is not None
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe.group(1) in text_part
        assert "/settings/email" in html_part


async def test_a_direct_message_is_mailed_as_one(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.post(alice, "@bob can we talk tomorrow?", visibility="direct")

        await s.run_mail(later=AWAY)

        [message] = smtp.inbox.to("bob@example.com")
        assert message["Subject"] == "alice sent you a direct message"


async def test_a_mention_read_in_an_app_before_the_mail_is_due_is_not_mailed(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        bob = await s.employee("bob")
        await s.post(alice, "@bob lunch?")
        # Bob's phone wakes up and opens his notifications.
        seen = await s.client.get("/api/v1/notifications", headers=bob)

        await s.run_mail(later=AWAY)

        assert seen.status_code == 200
        assert smtp.inbox.received == []
        [row] = await s.outbox("bob")
        assert row.state is MailState.CANCELLED


async def test_a_person_deactivated_after_the_mail_was_queued_gets_nothing(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.employee("dora")
        await s.post(alice, "@bob @dora the plan")
        bob = await s.account("bob")
        await s.state.services.offboarding.depart(bob.id, actor="test")
        await s.post(alice, "@bob are you there?")

        await s.run_mail(later=AWAY)

        assert smtp.inbox.to("bob@example.com") == []
        rows = await s.outbox("bob")
        assert [row.state for row in rows] == [MailState.CANCELLED]  # the second mention queued nothing
        assert rows[0].last_error == "the person is no longer an active employee"
        assert len(smtp.inbox.to("dora@example.com")) == 1


async def test_without_an_email_section_nothing_is_queued(tmp_path: Path, smtp: SmtpServer) -> None:
    from tests.server.web.staff_site import staff_site

    async with staff_site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.post(alice, "@bob hello")

        bob = await s.account("bob")
        assert s.state.services.mail.enabled is False
        assert await s.state.storage.mail.for_account(bob.id) == []


async def test_a_person_with_an_open_stream_is_not_away(tmp_path: Path, smtp: SmtpServer) -> None:
    app = app_for(settings_for(tmp_path, **smtp.environ()))
    app.state.streaming_options = StreamingOptions(heartbeat_seconds=0.2, recheck_seconds=0.1)
    async with live(app) as base, httpx.AsyncClient(base_url=base) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await staff_token(app, "dora")
        async with client.stream("GET", "/api/v1/streaming/user", headers=bearer(bob)) as response:
            reader = SseReader(response)
            await reader.opened()
            posted = await client.post("/api/v1/statuses", headers=bearer(alice),
                                       json={"status": "@bob @dora stand-up moved to 10"})
            assert posted.status_code == 200, posted.text
            event, _ = await reader.next_event()
            while event != "notification":
                event, _ = await reader.next_event()
            assert await reader.next_frame() == ("comment", "thump")  # still open, re-checked
        site = MailSite(app, client)
        await site.run_mail(later=AWAY)

    assert smtp.inbox.to("bob@example.com") == []
    assert len(smtp.inbox.to("dora@example.com")) == 1
