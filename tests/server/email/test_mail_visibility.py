"""Mail shows a post only to someone who may read it, as the app would show it, at the moment it is written.

Given the real app with ``[email]`` pointing at the suite's SMTP server:

- the weekly digest of a member of the sales department leaves out sales's
  followers-only post (members do not follow their department, so the API
  answers them 404), while a follower of sales gets it; it leaves out a post
  deleted after the week's candidates were gathered and the posts of an
  author deactivated since;
- an important post of the company is not mailed to someone the company
  blocks, nor to someone muting its notifications, but is to the others;
- a direct message edited to drop bob is not mailed to bob, and the one
  still addressed gets the edited text, not the first; a mention followed
  by a block (either way) is not mailed; nor is a public mention edited out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.services.mail.digest import DigestBuilder, DigestWorker
from server.services.status_draft import StatusDraft
from server.signin.sessions import CSRF_FIELD
from storage.clock import utcnow
from storage.mail import MailKind, MailState
from storage.models import AccountKind, MemberRole, Visibility
from tests.server.email.conftest import SmtpServer
from tests.server.email.mail_site import AWAY, MailSite, mail_site
from tests.server.email.test_digest_mail import favourite, next_monday_morning

pytestmark = pytest.mark.anyio


def plain(s: MailSite, smtp: SmtpServer, username: str) -> list[str]:
    texts = []
    for message in smtp.inbox.to(f"{username}@example.com"):
        body = message.get_body(("plain",))
        assert body is not None
        texts.append(body.get_content())
    return texts


async def want_digest(s: MailSite, username: str) -> None:
    await s.state.storage.mail.set_preference((await s.account(username)).id, MailKind.DIGEST, True, utcnow())


async def test_the_digest_leaves_out_a_departments_followers_only_post_for_a_member_who_cannot_read_it(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp) as s:
        bob, carol = await s.employee("bob"), await s.employee("carol")
        await s.department("sales")
        sales = await s.account("sales")
        await s.state.storage.departments.set_member(sales.id, (await s.account("bob")).id, MemberRole.MEMBER)
        assert (await s.client.post(f"/api/v1/accounts/{sales.id}/follow", headers=carol)).status_code == 200
        bands = await s.state.services.statuses.create(
            sales, StatusDraft(text="Followers only salary bands", visibility=Visibility.PRIVATE))
        news = await s.state.services.statuses.create(sales, StatusDraft(text="Sales had a good week"))
        await favourite(s, carol, str(bands.id))
        await favourite(s, carol, str(news.id))
        for name in ("bob", "carol"):
            await want_digest(s, name)

        bob_reads = await s.client.get(f"/api/v1/statuses/{bands.id}", headers=bob)
        moment = next_monday_morning(utcnow())
        await s.digest_worker(moment).run_once()
        await s.run_mail(at=moment)

        assert bob_reads.status_code == 404
        [bob_digest] = plain(s, smtp, "bob")
        assert "Sales had a good week" in bob_digest  # his department's post everyone may read
        assert "salary bands" not in bob_digest
        [carol_digest] = plain(s, smtp, "carol")
        assert "salary bands" in carol_digest and "Sales had a good week" in carol_digest


async def test_the_digest_leaves_out_posts_deleted_since_gathered_and_authors_deactivated(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice, bob, carol = await s.employee("alice"), await s.employee("bob"), await s.employee("carol")
        mallory = await s.employee("mallory")
        alice_id, mallory_id = (await s.account("alice")).id, (await s.account("mallory")).id
        for fan in (bob, carol):
            for author in (alice_id, mallory_id):
                assert (await s.client.post(f"/api/v1/accounts/{author}/follow", headers=fan)).status_code == 200
        oops = await s.post(alice, "Posted by mistake")
        kept = await s.post(alice, "The plan for spring")
        gone = await s.post(mallory, "My last words here")
        for post in (oops, kept, gone):
            await favourite(s, bob, post)
            await favourite(s, carol, post)
        for name in ("bob", "carol"):
            await want_digest(s, name)
        await s.state.storage.accounts.set_disabled(mallory_id, True)  # deactivated after the week's posts

        moment = next_monday_morning(utcnow())
        # One person a batch: the week's candidates are gathered once, for bob, and kept for carol's batch.
        builder = DigestBuilder(s.state.storage, s.state.services.mail.writer, s.state.services.mail.links, batch=1)
        settings = s.state.services.mail.settings
        assert settings is not None
        worker = DigestWorker(s.state.storage, settings, builder, worker_id="test", clock=lambda: moment)
        first_batch = await worker.run_once()
        deleted = await s.client.delete(f"/api/v1/statuses/{oops}", headers=alice)
        while await worker.run_once():
            pass
        await s.run_mail(at=moment)

        assert first_batch == 1
        assert deleted.status_code == 200
        [bob_digest] = plain(s, smtp, "bob")
        [carol_digest] = plain(s, smtp, "carol")
        assert "Posted by mistake" in bob_digest  # written before the delete
        assert "Posted by mistake" not in carol_digest
        for digest in (bob_digest, carol_digest):
            assert "The plan for spring" in digest
            assert "My last words here" not in digest


async def test_an_important_post_is_not_mailed_to_whom_the_author_blocks_or_who_mutes_it(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    async with mail_site(tmp_path, smtp) as s:
        await s.employee("ada", role="admin")
        await s.employee("bob")
        await s.employee("carol")
        dave = await s.employee("dave")
        bob = await s.account("bob")
        company = (await s.state.storage.accounts.list_local(AccountKind.COMPANY))[0]
        post = await s.state.services.statuses.create(company, StatusDraft(text="Offices closed Friday"))
        await s.state.storage.relationships.block(company.id, bob.id)  # the company blocks bob
        muted = await s.client.post(f"/api/v1/accounts/{company.id}/mute", headers=dave,
                                    json={"notifications": True})
        until = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

        await s.sign_in("ada")
        marked = await s.client.post(f"/admin/statuses/{post.id}/important",
                                     data={CSRF_FIELD: await s.csrf(), "until": until, "back": "/admin/statuses"})
        await s.run_mail()

        assert muted.status_code == 200, muted.text
        assert marked.status_code == 303
        assert await s.state.storage.timelines.visible_ids(bob.id, [post.id]) == frozenset()
        assert smtp.inbox.to("bob@example.com") == []
        assert await s.outbox("bob") == []
        assert smtp.inbox.to("dave@example.com") == []
        [message] = smtp.inbox.to("carol@example.com")
        assert "Offices closed Friday" in message["Subject"]


async def test_a_direct_message_edited_to_drop_someone_is_not_mailed_to_them(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.employee("dave")
        status_id = await s.post(alice, "@bob @dave layoff list draft", visibility="direct")
        edited = await s.client.put(f"/api/v1/statuses/{status_id}", headers=alice,
                                    json={"status": "@dave the list is for you alone"})

        await s.run_mail(later=AWAY)

        assert edited.status_code == 200, edited.text
        assert smtp.inbox.to("bob@example.com") == []
        [bob_row] = await s.outbox("bob")
        assert bob_row.state is MailState.CANCELLED
        assert bob_row.last_error == "the person may no longer read the post"
        [dave_mail] = plain(s, smtp, "dave")
        assert "the list is for you alone" in dave_mail  # written from the post as it is now
        assert "layoff list draft" not in dave_mail
        [message] = smtp.inbox.to("dave@example.com")
        html = message.get_body(("html",))
        assert html is not None
        assert "layoff list draft" not in html.get_content()


async def test_a_mention_is_not_mailed_after_a_block_either_way(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        await s.employee("carol")
        await s.employee("dave")
        bob, carol = await s.account("bob"), await s.account("carol")
        await s.post(alice, "@bob @carol @dave the reorganisation, privately", visibility="direct")
        await s.post(alice, "@bob @carol everyone may read this one")
        blocked = await s.client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice)
        await s.state.storage.relationships.block(carol.id, (await s.account("alice")).id)  # carol blocks alice

        await s.run_mail(later=AWAY)

        assert blocked.status_code == 200
        for name in ("bob", "carol"):
            assert smtp.inbox.to(f"{name}@example.com") == []
            rows = await s.outbox(name)
            assert len(rows) == 2
            assert {row.state for row in rows} == {MailState.CANCELLED}
            assert {row.last_error for row in rows} == {"the person may no longer read the post"}
        assert len(smtp.inbox.to("dave@example.com")) == 1


async def test_a_public_mention_edited_out_is_not_mailed(tmp_path: Path, smtp: SmtpServer) -> None:
    async with mail_site(tmp_path, smtp) as s:
        alice = await s.employee("alice")
        await s.employee("bob")
        status_id = await s.post(alice, "@bob what do you think of the draft")
        edited = await s.client.put(f"/api/v1/statuses/{status_id}", headers=alice,
                                    json={"status": "what does anyone think of the draft"})

        await s.run_mail(later=AWAY)

        assert edited.status_code == 200, edited.text
        assert smtp.inbox.to("bob@example.com") == []
        [row] = await s.outbox("bob")
        assert row.state is MailState.CANCELLED
        assert row.last_error == "the person is no longer mentioned in the post"
