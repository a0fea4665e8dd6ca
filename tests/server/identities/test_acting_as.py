"""Posting as the company or a department from any Mastodon client, through the OAuth consent page.

Given an admin, a publisher, a department publisher and a staff member; when
each reaches the consent page, then only the identities they may act as are
offered; a token acting as an identity posts as it, the audit log names the
human, and a lost role or a disabled login ends the token at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.services.statuses import StatusDraft
from storage.models import MemberRole, Page, Role
from storage.review import AuditFilter
from tests.server.identities.world import bearer, consent, identity_choices, world

pytestmark = pytest.mark.anyio


async def test_consent_offers_only_the_identities_each_person_may_act_as(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "stu") as staff:
            assert identity_choices(staff.page.text) == []  # staff act only as themselves: no choice shown
        async with consent(w, "sam") as dept_publisher:
            assert identity_choices(dept_publisher.page.text) == ["", str(w.sales.id)]
        async with consent(w, "pat") as publisher:
            assert identity_choices(publisher.page.text) == ["", str(w.company.id), str(w.legal.id), str(w.sales.id)]
            # The company publishes its public posts at once (its default): the page says so, for it alone.
            assert publisher.page.text.count("published outside at once") == 1
            company_label = publisher.page.text.split(f'value="{w.company.id}"', 1)[1].split("</label>", 1)[0]
            assert "its public posts are published outside at once" in company_label


async def test_a_forged_identity_choice_is_refused(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "stu") as staff:
            refused = await staff.approve(str(w.company.id))
            assert refused.status_code == 403 and "location" not in refused.headers
        async with consent(w, "sam") as dept_publisher:
            assert (await dept_publisher.approve(str(w.legal.id))).status_code == 403
            assert (await dept_publisher.approve(str(w.accounts["stu"].id))).status_code == 403
            assert (await dept_publisher.approve("not-a-number")).status_code == 403


async def test_a_token_acting_as_the_company_posts_as_the_company_and_the_audit_names_the_human(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "pat") as publisher:
            token = await publisher.token(str(w.company.id))
        me = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        assert me.status_code == 200 and me.json()["username"] == w.company.username
        assert me.json()["role"]["name"] == "Publisher"  # the human's role stays theirs

        posted = await w.client.post("/api/v1/statuses", headers=bearer(token),
                                     data={"status": "We are hiring", "visibility": "unlisted"})
        assert posted.status_code == 200, posted.text
        assert posted.json()["account"]["id"] == str(w.company.id)
        stored = await w.state.storage.statuses.get(int(posted.json()["id"]))
        assert stored is not None and stored.account_id == w.company.id

        pat = w.accounts["pat"].id
        entries = await w.state.storage.review.audit(AuditFilter(status_id=stored.id), Page(limit=10))
        assert [(e.action, e.actor, e.reason) for e in entries] == [
            ("post_as", f"user:{pat} as company:{w.company.id}", f"posted as company by user:{pat}")]


async def test_a_department_publisher_acts_as_their_department_until_they_lose_the_role(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "sam") as dept_publisher:
            token = await dept_publisher.token(str(w.sales.id))
        posted = await w.client.post("/api/v1/statuses", headers=bearer(token),
                                     data={"status": "Quarter closed", "visibility": "private"})
        assert posted.status_code == 200 and posted.json()["account"]["username"] == "sales"
        assert posted.json()["publication"]["state"] == "internal"  # departments do not auto-publish by default

        admin = bearer(await w.token("ada"))
        demoted = await w.client.put(f"/api/v1/admin/insideout/departments/{w.sales.id}/members/"
                                     f"{w.accounts['sam'].id}", headers=admin, data={"role": "member"})
        assert demoted.status_code == 200, demoted.text

        refused = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        assert refused.status_code == 401
        await w.state.storage.departments.set_member(w.sales.id, w.accounts["sam"].id, MemberRole.PUBLISHER)
        still = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        assert still.status_code == 401  # revoked for good, not merely suspended
        own = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(await w.token("sam")))
        assert own.status_code == 200 and own.json()["username"] == "sam"


async def test_losing_the_publisher_role_revokes_the_company_token(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "pat") as publisher:
            token = await publisher.token(str(w.company.id))
        assert (await w.client.get("/api/v1/timelines/home", headers=bearer(token))).status_code == 200

        await w.state.services.accounts.set_role("pat", Role.STAFF)

        answer = await w.client.post("/api/v1/statuses", headers=bearer(token), data={"status": "still me?"})
        assert answer.status_code == 401 and answer.json() == {"error": "The access token is invalid"}
        company_posts = await w.client.get(f"/api/v1/accounts/{w.company.id}/statuses",
                                           headers=bearer(await w.token("ada")))
        assert company_posts.status_code == 200 and company_posts.json() == []


async def test_a_disabled_human_loses_the_identity_at_once(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "pat") as publisher:
            token = await publisher.token(str(w.company.id))
        await w.state.storage.accounts.set_disabled(w.accounts["pat"].id, True)
        answer = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        assert answer.status_code == 403


async def test_posts_made_as_an_organisation_cannot_be_scheduled(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "pat") as publisher:
            token = await publisher.token(str(w.company.id))
        answer = await w.client.post("/api/v1/statuses", headers=bearer(token),
                                     data={"status": "later", "scheduled_at": "2999-01-01T00:00:00Z"})
        assert answer.status_code == 422


async def test_a_decision_through_an_acting_as_token_is_audited_as_the_human(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        async with consent(w, "pat", scopes="read write admin:read admin:write") as publisher:
            token = await publisher.token(str(w.company.id))
        stu = w.accounts["stu"]
        post = await w.state.services.statuses.create(stu, StatusDraft(text="Our new office opens"))

        published = await w.client.post(f"/api/v1/admin/insideout/statuses/{post.id}/publish", headers=bearer(token),
                                         data={"reason": "good news"})
        assert published.status_code == 200, published.text

        pat = w.accounts["pat"].id
        entries = await w.state.storage.review.audit(AuditFilter(status_id=post.id), Page(limit=10))
        assert [e.actor for e in entries if e.action == "publish"] == [f"user:{pat} as company:{w.company.id}"]
