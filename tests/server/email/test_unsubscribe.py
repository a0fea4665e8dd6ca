"""One-click unsubscribe from the mail's own link, with no session (RFC 8058).

Given a mention mail bob received; when a mail scanner (or bob) opens its
``List-Unsubscribe`` link with GET, then a page asks to confirm and nothing
changes; when the mailbox provider POSTs ``List-Unsubscribe=One-Click``
there, with no cookie and no CSRF token, then bob's mention mails are off
(his settings page says so) and the next mention queues nothing. A link
that does not verify is a 404.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from storage.mail import MailKind
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import AWAY, MailSite, mail_site

pytestmark = pytest.mark.anyio


async def bobs_link(s: MailSite, smtp: SmtpServer) -> str:
    alice = await s.employee("alice")
    await s.employee("bob")
    await s.post(alice, "@bob see this")
    await s.run_mail(later=AWAY)
    [message] = smtp.inbox.to("bob@example.com")
    found = re.fullmatch(r"<http://127\.0\.0\.1:8000(/mail/unsubscribe/[^>]+)>", message["List-Unsubscribe"])
    assert found is not None
    return found.group(1)


async def test_the_link_shows_a_page_and_only_a_post_unsubscribes(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        path = await bobs_link(s, smtp)
        bob = await s.account("bob")
        # A client of its own: no session cookie, no CSRF token, as a mailbox provider's one-click POST.
        anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=s.app), base_url="http://testserver")

        shown = await anonymous.get(path)
        still_on = await s.state.storage.mail.preferences(bob.id)
        done = await anonymous.post(path, content=b"List-Unsubscribe=One-Click",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        again = await anonymous.get(path)
        await anonymous.aclose()

        assert shown.status_code == 200
        assert "Stop mails of the kind “Mentions and direct messages” to @bob?" in shown.text
        assert f'<form method="post" action="{path}">' in shown.text
        assert still_on == {}
        assert done.status_code == 200
        assert "gets no more mails of the kind" in done.text
        assert await s.state.storage.mail.preferences(bob.id) == {MailKind.MENTION: False}
        assert again.status_code == 200
        assert "Unsubscribed" in again.text


async def test_after_unsubscribing_no_more_mail_of_that_kind(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        path = await bobs_link(s, smtp)
        await s.client.post(path, content=b"List-Unsubscribe=One-Click")
        erin = await s.employee("erin")
        await s.post(erin, "@bob and again")

        await s.run_mail(later=AWAY)

        assert len(smtp.inbox.to("bob@example.com")) == 1  # only the first one
        assert len(await s.outbox("bob")) == 1
        await s.sign_in("bob")
        settings = await s.client.get("/settings/email")
        assert 'name="kinds[]" value="mention" aria-describedby="hint-mention">' in settings.text


@pytest.mark.parametrize("token", ["nonsense", "1.mention.AAAA", "1.nokind.AAAA", "x" * 500])
async def test_a_link_that_does_not_verify_is_not_found(tmp_path: Path, smtp: SmtpServer, token: str) -> None:
    async with mail_site(tmp_path, smtp) as s:
        path = await bobs_link(s, smtp)
        forged = path.rsplit(".", 1)[0] + ".AAAA"  # bob's id and kind, another signature

        answers = [await s.client.get(f"/mail/unsubscribe/{token}"), await s.client.post(f"/mail/unsubscribe/{token}"),
                   await s.client.post(forged)]

        assert [a.status_code for a in answers] == [404, 404, 404]
        assert "This unsubscribe link is not valid." in answers[0].text
        bob = await s.account("bob")
        assert await s.state.storage.mail.preferences(bob.id) == {}
