"""The admins' pages: accounts and roles, exposure, federation policy, reports, engagement and the audit log.

Each action is checked by its effect in storage and by the audit line the
shared admin services write, so the pages and the JSON API cannot drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.models import NewStatus, RemoteProfile, Role, Visibility
from tests.server.admin.pages import Site, rows, site

pytestmark = pytest.mark.anyio


async def remote(s: Site, username: str, domain: str) -> int:
    base = f"https://{domain}/users/{username}"
    account = await s.state.storage.accounts.upsert_remote(RemoteProfile(
        uri=base, username=username, domain=domain, actor_type="Person", inbox_url=f"{base}/inbox",
        shared_inbox_url=f"https://{domain}/inbox"))
    return account.id


async def test_an_admin_changes_a_role_and_exposes_an_employee_with_a_reason(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.employee("sam")
        sam = await s.account("sam")
        await s.sign_in("ada")

        role = await s.submit(f"/admin/accounts/{sam.id}/role", role="publisher")
        no_reason = await s.submit(f"/admin/accounts/{sam.id}/expose", reason="")
        exposed = await s.submit(f"/admin/accounts/{sam.id}/expose", reason="Speaks at the fair")
        exposure = await s.client.get("/admin/exposure")
        accounts = await s.client.get("/admin/accounts?username=sam")

        assert role.status_code == exposed.status_code == 303 and no_reason.status_code == 422
        user = await s.state.storage.accounts.get_user(sam.id)
        assert user is not None and user.role is Role.PUBLISHER
        assert f'id="exposed-{sam.id}"' in rows(exposure.text, "exposure")
        assert "Speaks at the fair" in exposure.text
        assert f'id="account-{sam.id}"' in rows(accounts.text, "accounts")
        actions = await s.state.storage.admin.actions(target_type="account", target_id=str(sam.id))
        ada = await s.account("ada")
        assert {(a.action, a.actor) for a in actions} == {("account.role", f"user:{ada.id}"),
                                                          ("expose", f"user:{ada.id}")}


async def test_an_admin_disables_an_employee_who_then_cannot_sign_in(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.employee("pia", role="publisher")
        pia = await s.account("pia")
        await s.sign_in("ada")

        answer = await s.submit(f"/admin/accounts/{pia.id}/disable", reason="left the company")
        s.sign_out_locally()
        refused = await s.sign_in("pia")

        assert answer.status_code == 303 and refused.status_code == 403


async def test_the_federation_page_edits_blocked_domains_and_the_mode(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        blocked = await s.submit("/admin/federation/block", domain="spam.example", private_comment="spam wave")
        invalid = await s.submit("/admin/federation/block", domain="not a domain")
        mode = await s.submit("/admin/federation/mode", mode="allowlist", reason="lockdown")
        page = await s.client.get("/admin/federation")
        (rule,) = await s.state.storage.admin.domain_rules()
        removed = await s.submit(f"/admin/federation/block/{rule.id}/remove")

        assert blocked.status_code == mode.status_code == removed.status_code == 303
        assert invalid.status_code == 422
        assert "spam.example" in page.text and '<strong id="mode">allowlist</strong>' in page.text
        assert not await s.state.storage.admin.domain_rules()
        logged = [a.action for a in await s.state.storage.admin.actions()]
        assert {"domain.block", "domain.unblock", "federation.mode"} <= set(logged)


async def test_a_staff_report_is_shown_forwardable_and_closed_by_blocking_the_domain(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        troll = await remote(s, "troll", "rude.example")
        filed = await s.client.post("/api/v1/reports", headers=alice,
                                    json={"account_id": str(troll), "comment": "abusive replies", "forward": True})
        report_id = filed.json()["id"]
        await s.sign_in("ada")

        listed = await s.client.get("/admin/reports")
        bad = await s.submit(f"/admin/reports/{report_id}/action", type="explode")
        blocked = await s.submit(f"/admin/reports/{report_id}/action", type="block_domain")
        closed = await s.client.get("/admin/reports?resolved=true")

        assert filed.status_code == 200
        assert f'id="report-{report_id}"' in listed.text and "abusive replies" in listed.text
        assert "Forward to rude.example (the reporter asked for it)" in listed.text
        assert bad.status_code == 422 and blocked.status_code == 303
        assert f'id="report-{report_id}"' in closed.text and "Closed" in closed.text
        assert [r.domain for r in await s.state.storage.admin.domain_rules()] == ["rude.example"]
        assert "report.block_domain" in [a.action for a in await s.state.storage.admin.actions()]


async def test_published_posts_show_outside_engagement_a_monthly_chart_and_a_csv_export(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        status_id = await s.post(alice, "Launch day")
        await s.sign_in("ada")
        await s.submit(f"/admin/statuses/{status_id}/publish", reason="ready to go out")
        pat = await remote(s, "pat", "partner.example")
        await s.state.storage.interactions.add("favourite", pat, int(status_id))
        await s.state.storage.statuses.create(NewStatus(
            account_id=pat, visibility=Visibility.PUBLIC, local=False, text="congrats", in_reply_to_id=int(status_id),
            uri="https://partner.example/notes/1", created_at=datetime(2024, 3, 5, tzinfo=UTC)))

        page = await s.client.get("/admin/published")
        export = await s.client.get("/admin/published.csv?group=post")
        monthly = await s.client.get("/admin/published.csv?group=month")

        table = rows(page.text, "published")
        assert f'id="published-{status_id}"' in table and "partner.example: 1 / 1 / 0" in table
        assert '<svg class="chart"' in page.text and 'data-month="2024-03"' in page.text
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        header, *lines = export.text.splitlines()
        assert header == "status_id,uri,author,state,published_at,domain,replies,favourites,reblogs"
        assert any(line.startswith(f"{status_id},") and ",partner.example,1,1,0" in line for line in lines)
        assert "2024-03,partner.example,1,0,0" in monthly.text


async def test_the_audit_log_lists_decisions_and_filters_them(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("ada", role="admin")
        first = await s.post(alice, "First")
        second = await s.post(alice, "Second")
        await s.sign_in("ada")
        await s.submit(f"/admin/statuses/{first}/publish", reason="launch")
        await s.submit(f"/admin/statuses/{second}/publish", reason="ready to go out")
        await s.submit(f"/admin/statuses/{second}/unpublish", reason="typo")

        everything = await s.client.get("/admin/audit")
        one_post = await s.client.get(f"/admin/audit?status_id={second}")
        ada = await s.account("ada")
        by_someone_else = await s.client.get("/admin/audit?actor=cli:root")

        decisions = rows(everything.text, "decisions")
        assert f'<a class="post-link" href="/@alice/{first}">First</a>' in decisions
        assert f'<a class="post-link" href="/@alice/{second}">Second</a>' in decisions
        assert "launch" in decisions
        assert '<a class="who-link" href="/@ada">@ada</a>' in decisions
        assert f"user:{ada.id}" not in decisions  # people are named, not numbered
        assert "published → retracted" in decisions
        narrowed = rows(one_post.text, "decisions")
        assert f'href="/@alice/{first}"' not in narrowed
        assert "typo" in narrowed
        assert "No entries." in rows(by_someone_else.text, "decisions")
