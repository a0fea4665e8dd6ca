"""The weekly digest: the most engaged posts of the week from the people one follows and one's departments.

Given bob who asked for the digest (on his settings page), following alice,
in the sales department, and blocking mallory; when the digest's moment
comes (Monday 08:00 UTC by default), then one worker opens the week's run
and queues bob's digest: alice's liked post and the post addressed to
sales, most engaged first, and nothing by mallory, nothing unliked, no
direct message. A second pass the same week queues nothing; carol, who did
not ask for it, gets none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.clock import utcnow
from storage.mail import MailKind
from storage.models import MemberRole
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import MailSite, mail_site

pytestmark = pytest.mark.anyio


def next_monday_morning(now: datetime) -> datetime:
    monday = (now + timedelta(days=(7 - now.weekday()) % 7)).replace(hour=8, minute=30, second=0, microsecond=0)
    return monday if monday > now else monday + timedelta(days=7)


async def favourite(s: MailSite, who: dict[str, str], status_id: str) -> None:
    answer = await s.client.post(f"/api/v1/statuses/{status_id}/favourite", headers=who)
    assert answer.status_code == 200, answer.text


async def test_the_digest_lists_the_weeks_engaged_posts_one_can_read(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice, bob, carol = await s.employee("alice"), await s.employee("bob"), await s.employee("carol")
        mallory = await s.employee("mallory")
        await s.department("sales")
        sales = await s.account("sales")
        await s.state.storage.departments.set_member(sales.id, (await s.account("bob")).id, MemberRole.MEMBER)
        mallory_account = await s.account("mallory")
        alice_account = await s.account("alice")
        assert (await s.client.post(f"/api/v1/accounts/{alice_account.id}/follow", headers=bob)).status_code == 200
        assert (await s.client.post(f"/api/v1/accounts/{mallory_account.id}/follow", headers=bob)).status_code == 200
        assert (await s.client.post(f"/api/v1/accounts/{mallory_account.id}/block", headers=bob)).status_code == 200
        liked = await s.post(alice, "The quarter in one picture")
        quiet = await s.post(alice, "Nobody reacts to this one")
        for_sales = await s.post(carol, "@sales the new price list")
        by_mallory = await s.post(mallory, "Look at me")
        await s.post(alice, "@carol a secret", visibility="direct")
        for fan in (carol, mallory):
            await favourite(s, fan, liked)
        await favourite(s, alice, for_sales)
        await favourite(s, alice, by_mallory)
        await favourite(s, carol, by_mallory)
        await s.sign_in("bob")
        await s.submit("/settings/email", **{"kinds[]": ["mention", "digest"]})

        moment = next_monday_morning(utcnow())
        worker = s.digest_worker(moment)
        first = await worker.run_once()
        second = await worker.run_once()
        await s.run_mail(at=moment)

        assert first >= 1
        assert second == 0
        assert [row.kind for row in await s.outbox("bob") if row.kind is MailKind.DIGEST] == [MailKind.DIGEST]
        assert [row for row in await s.outbox("carol") if row.kind is MailKind.DIGEST] == []
        [message] = smtp.inbox.to("bob@example.com")  # the mention of sales was seen: bob is in an app
        assert message["Subject"].startswith("This week at Insideout: 2 posts")
        body = message.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert text.index(f"/@alice/{liked}") < text.index(f"/@carol/{for_sales}")
        assert f"/@alice/{quiet}" not in text
        assert f"/@mallory/{by_mallory}" not in text
        assert "a secret" not in text
        assert "/mail/unsubscribe/" in text
        run = await s.state.storage.mail.digest_run(f"{moment.isocalendar()[0]}-W{moment.isocalendar()[1]:02d}")
        assert run is not None and run.finished_at is not None


async def test_before_its_moment_the_digest_does_not_run(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        monday_early = next_monday_morning(utcnow()).replace(hour=7)

        handled = await s.digest_worker(monday_early).run_once()

        assert handled == 0
        assert await s.state.storage.mail.claim_digest("x", monday_early, monday_early) is None
