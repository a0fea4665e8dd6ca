"""The author of a proposed post hears of the decision by mail: declined with the reason, or published.

Given alice nominating posts with the hashtag and a publisher deciding on
the admin pages; then alice receives one mail per decision, saying what was
decided and why, linking to the post; the company's direct notice about the
same decision is not mailed a second time as a mention.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.mail import MailKind
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import AWAY, mail_site

pytestmark = pytest.mark.anyio


async def test_a_declined_and_a_published_proposal_are_mailed_to_the_author(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("pia", role="publisher")
        declined_id = await s.post(alice, "Our numbers for the press #outside")
        published_id = await s.post(alice, "The new catalogue is out #outside")
        await s.sign_in("pia")

        declined = await s.submit(f"/admin/queue/{await s.open_item_id(declined_id)}/decline",
                                  reason="The numbers are not final <yet>")
        approved = await s.submit(f"/admin/queue/{await s.open_item_id(published_id)}/approve")
        await s.run_mail(later=AWAY)

        assert declined.status_code == 303
        assert approved.status_code == 303
        rows = await s.outbox("alice")
        assert [row.kind for row in rows] == [MailKind.PROPOSAL_DECISION, MailKind.PROPOSAL_DECISION]
        first, second = smtp.inbox.to("alice@example.com")
        assert first["Subject"] == "Your post was not approved for publication"
        first_text = first.get_body(("plain",))
        first_html = first.get_body(("html",))
        assert first_text is not None and first_html is not None
        assert "Reason: The numbers are not final <yet>" in first_text.get_content()
        assert "The numbers are not final &lt;yet&gt;" in first_html.get_content()
        assert f"/@alice/{declined_id}" in first_text.get_content()
        assert second["Subject"] == "Your post is published outside the organisation"
        assert second["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
