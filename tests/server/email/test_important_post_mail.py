"""An important post, end to end: marked on the admin page, pinned atop its audience's home, and mailed.

Given the real app with ``[email]`` pointing at the suite's SMTP server, an
admin and two employees (one of whom switched important mail off); when the
admin marks a company post important from ``/admin/statuses``; then both
employees find it first on their home timeline in the web app, and only the
one who wants important mail receives it, once, with a link back to the post.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.services.status_draft import StatusDraft
from server.signin.sessions import CSRF_FIELD
from storage.clock import utcnow
from storage.mail import MailKind
from storage.models import AccountKind
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import mail_site
from tests.server.web.staff_site import articles

pytestmark = pytest.mark.anyio


async def test_marking_a_post_important_pins_it_and_mails_its_audience(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        await s.employee("ada", role="admin")
        await s.employee("bob")
        await s.employee("cat")
        cat = await s.account("cat")
        await s.state.storage.mail.set_preference(cat.id, MailKind.IMPORTANT, False, utcnow())
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        post = await s.state.services.statuses.create(company, StatusDraft(text="Offices closed Monday"))
        for n in range(3):
            await s.state.services.statuses.create(await s.account("ada"), StatusDraft(text=f"later note {n}"))
        until = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

        await s.sign_in("ada")
        marked = await s.client.post(f"/admin/statuses/{post.id}/important",
                                     data={CSRF_FIELD: await s.csrf(), "until": until, "back": "/admin/statuses"})
        s.sign_out_locally()
        await s.sign_in("bob")
        home = await s.client.get("/home")
        sent = await s.run_mail()

        assert marked.status_code == 303
        assert articles(home.text)[0] == str(post.id)
        assert "Important" in home.text
        [message] = smtp.inbox.to("bob@example.com")
        assert "Offices closed Monday" in message["Subject"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert f"/@company/{post.id}" in text or f"/{post.id}" in text
        assert smtp.inbox.to("cat@example.com") == []
        assert sent >= 1
