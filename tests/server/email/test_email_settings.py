"""Which mails a person gets: the ``/settings/email`` page, and important posts mailed to their audience.

Given an employee signed in to the web app; the settings list links to the
email page, which shows each kind with Mastodon-like defaults (mentions,
decisions and important posts on, the digest off) and the staff address;
saving the form changes exactly the kinds given. When a post by the
company is marked important, each audience member who wants important
mail (not one who switched it off, not a deactivated one) gets it once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.services.status_draft import StatusDraft
from storage.clock import utcnow
from storage.mail import MailKind
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import mail_site

pytestmark = pytest.mark.anyio


async def test_the_page_shows_and_changes_which_mails_one_gets(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        await s.employee("bob")
        await s.sign_in("bob")

        listed = await s.client.get("/settings")
        shown = await s.client.get("/settings/email")
        saved = await s.submit("/settings/email", **{"kinds[]": ["digest", "important", "no-such-kind"]})
        after = await s.client.get("/settings/email")

        assert '<a href="/settings/email">Email</a>' in listed.text
        assert shown.status_code == 200
        assert "Mails go to bob@example.com." in shown.text
        assert 'value="mention" aria-describedby="hint-mention" checked>' in shown.text
        assert 'value="proposal_decision" aria-describedby="hint-proposal_decision" checked>' in shown.text
        assert 'value="digest" aria-describedby="hint-digest">' in shown.text
        assert saved.status_code == 303
        assert saved.headers["location"] == "/settings/email?notice=saved"
        assert 'value="mention" aria-describedby="hint-mention">' in after.text
        assert 'value="digest" aria-describedby="hint-digest" checked>' in after.text
        bob = await s.account("bob")
        assert await s.state.services.mail.links.settings(bob.id) == {
            MailKind.MENTION: False, MailKind.PROPOSAL_DECISION: False, MailKind.IMPORTANT: True,
            MailKind.DIGEST: True}


async def test_the_page_needs_a_session_and_its_form_a_csrf_token(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        await s.employee("bob")

        anonymous = await s.client.get("/settings/email")
        await s.sign_in("bob")
        forged = await s.client.post("/settings/email", data={"kinds[]": ["digest"]})

        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == "/auth/sign_in?next=%2Fsettings%2Femail"
        assert forged.status_code == 403
        bob = await s.account("bob")
        assert await s.state.storage.mail.preferences(bob.id) == {}


async def test_an_important_post_is_mailed_once_to_its_audience_who_want_it(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        for name in ("bob", "carol", "dora"):
            await s.employee(name)
        bob, carol, dora = [await s.account(n) for n in ("bob", "carol", "dora")]
        company = await s.account("company")
        await s.state.storage.mail.set_preference(carol.id, MailKind.IMPORTANT, False, utcnow())
        await s.state.services.offboarding.depart(dora.id, actor="test")
        status = await s.state.services.statuses.create(company, StatusDraft(text="All hands on Friday at 10"))
        notices = s.state.services.mail.notices
        assert notices is not None

        await notices.important_post_marked(status.id, [bob.id, carol.id, dora.id, company.id])
        await notices.important_post_marked(status.id, [bob.id])  # marked again: not mailed twice
        await s.run_mail()

        [message] = smtp.inbox.to("bob@example.com")
        assert message["Subject"] == "Important from Insideout: All hands on Friday at 10"
        assert smtp.inbox.to("carol@example.com") == []
        assert smtp.inbox.to("dora@example.com") == []
        assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/mail/unsubscribe/")
        assert f".{MailKind.IMPORTANT.value}." in message["List-Unsubscribe"]
