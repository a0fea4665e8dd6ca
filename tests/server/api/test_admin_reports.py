"""Reports over the admin API: Flags from partners and reports by staff, dismissed, acted on, forwarded.

Given a staff report about an outside account and a partner's Flag about
an employee's published post; when an admin lists, dismisses, deletes,
disables, blocks or forwards; then each action is audited, the report is
closed, and a forwarded report leaves as a Flag that names only outside
things and passes the exposure guard.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storage.curation import NewStaffReport, ReportCategory
from storage.models import Account, NewReport, NewStatus, Status, Visibility
from tests.server.api.admin_world import IO, A, AdminWorld, admin_world

pytestmark = pytest.mark.anyio


async def remote_post(w: AdminWorld, author: Account, number: int, text: str = "buy now") -> Status:
    return await w.storage.statuses.create(NewStatus(
        account_id=author.id, visibility=Visibility.PUBLIC, local=False, text=text, content=f"<p>{text}</p>",
        uri=f"https://{author.domain}/notes/{number}"))


async def staff_report(w: AdminWorld, target: Account, status_ids: list[int], comment: str) -> dict[str, Any]:
    response = await w.client.post("/api/v1/reports", headers=w.staff, data={
        "account_id": str(target.id), "status_ids[]": [str(i) for i in status_ids], "comment": comment,
        "forward": "true", "category": "spam"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def published_post(w: AdminWorld, username: str, text: str) -> Status:
    author = await w.local(username)
    post = await w.storage.statuses.create(NewStatus(account_id=author.id, visibility=Visibility.PUBLIC, text=text,
                                                     content=f"<p>{text}</p>"))
    await w.state.services.publication.publish(post.id, by="cli:test", announcers=[], reason=None)
    published = await w.storage.statuses.get(post.id)
    assert published is not None and published.uri is not None
    return published


async def partner_flag(w: AdminWorld, reporter: Account, target: Account, uris: tuple[str, ...]) -> int:
    flag = await w.storage.moderation.add_report(NewReport(
        reporter_uri=reporter.uri or "", comment="offensive", target_account_ids=(target.id,),
        target_object_uris=uris, activity_id=f"{reporter.uri}#flags/1", reporter_id=reporter.id))
    assert flag is not None
    return flag.id


async def test_both_kinds_are_listed_and_dismissed(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        spammer = await w.remote("spam", "spam.example")
        bad = await remote_post(w, spammer, 1)
        filed = await staff_report(w, spammer, [bad.id], "spam from outside")
        reporter = await w.remote("pat", "partner.example")
        post = await published_post(w, "sam", "our launch")
        flag_id = await partner_flag(w, reporter, await w.local("sam"), (post.uri or "",))

        listed = (await w.client.get(f"{A}/reports", headers=w.admin)).json()
        assert [(r["id"], r["insideout"]["origin"]) for r in listed] == [(str(flag_id), "remote"), (filed["id"], "staff")]
        staff = listed[1]
        assert staff["account"]["username"] == "sam" and staff["target_account"]["domain"] == "spam.example"
        assert [s["id"] for s in staff["statuses"]] == [str(bad.id)] and staff["category"] == "spam"
        assert staff["action_taken"] is False and staff["insideout"]["forward_requested"] is True
        remote = listed[0]
        assert remote["account"]["username"] == "pat" and remote["target_account"]["username"] == "sam"
        assert remote["statuses"][0]["id"] == str(post.id)

        dismissed = await w.client.post(f"{A}/reports/{filed['id']}/resolve", headers=w.admin)
        assert dismissed.status_code == 200 and dismissed.json()["action_taken"] is True
        assert dismissed.json()["insideout"]["action_taken_by"] == f"user:{(await w.local('ada')).id}"
        assert [r["id"] for r in (await w.client.get(f"{A}/reports", headers=w.admin)).json()] == [str(flag_id)]
        closed = (await w.client.get(f"{A}/reports", headers=w.admin, params={"resolved": "true"})).json()
        assert [r["id"] for r in closed] == [filed["id"]]
        assert (await w.client.get(f"{A}/reports/{flag_id}", headers=w.admin)).json()["id"] == str(flag_id)
        assert (await w.client.get(f"{A}/reports/12345", headers=w.admin)).status_code == 404


async def test_private_posts_never_show_in_a_report(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam = await w.local("sam")
        secret = await w.storage.statuses.create(NewStatus(account_id=sam.id, visibility=Visibility.PRIVATE,
                                                           text="secret", content="<p>secret</p>"))
        pia = await w.local("pia")
        flag = await w.storage.staff_reports.create(NewStaffReport(
            account_id=pia.id, target_account_id=sam.id, status_ids=(secret.id,), comment="x",
            category=ReportCategory.OTHER, rule_ids=(), forward=False))
        shown = (await w.client.get(f"{A}/reports/{flag.id}", headers=w.admin)).json()
        assert shown["statuses"] == []
        nothing = await w.client.post(f"{IO}/reports/{flag.id}/action", headers=w.admin,
                                      data={"type": "delete_statuses"})
        assert nothing.status_code == 422


async def test_a_flagged_published_post_is_deleted_and_retracted(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        reporter = await w.remote("pat", "partner.example")
        post = await published_post(w, "sam", "our launch")
        flag_id = await partner_flag(w, reporter, await w.local("sam"), (post.uri or "",))
        response = await w.client.post(f"{IO}/reports/{flag_id}/action", headers=w.admin,
                                       data={"type": "delete_statuses"})
        assert response.status_code == 200, response.text
        assert response.json()["action_taken"] is True
        deleted = await w.storage.statuses.get(post.id)
        assert deleted is not None and deleted.deleted_at is not None
        log = (await w.client.get(f"{IO}/actions", headers=w.admin)).json()
        assert [e["action"] for e in log[:2]] == ["report.delete_statuses", "status.delete"]
        assert log[1]["target_id"] == str(post.id)


async def test_report_actions_disable_the_employee_or_block_the_domain(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        reporter = await w.remote("pat", "partner.example")
        sam = await w.local("sam")
        flag_id = await partner_flag(w, reporter, sam, ())
        assert (await w.client.post(f"{IO}/reports/{flag_id}/action", headers=w.admin,
                                    data={"type": "block_domain"})).status_code == 422
        disabled = await w.client.post(f"{IO}/reports/{flag_id}/action", headers=w.admin,
                                       data={"type": "disable_account"})
        assert disabled.status_code == 200 and disabled.json()["target_account"]["disabled"] is True
        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 401

        spammer = await w.remote("spam", "spam.example")
        report = await w.storage.staff_reports.get(int((await staff_report_by(w, spammer))["id"]))
        assert report is not None
        blocked = await w.client.post(f"{IO}/reports/{report.id}/action", headers=w.admin,
                                      data={"type": "block_domain"})
        assert blocked.status_code == 200
        assert w.state.services.policy.is_allowed("spam.example") is False
        rules = (await w.client.get(f"{A}/domain_blocks", headers=w.admin)).json()
        assert [(r["domain"], r["private_comment"]) for r in rules] == [("spam.example", f"report {report.id}")]


async def staff_report_by(w: AdminWorld, target: Account) -> dict[str, Any]:
    """Filed by the publisher (Sam is disabled in the test that uses this)."""
    response = await w.client.post("/api/v1/reports", headers=w.publisher,
                                   data={"account_id": str(target.id), "comment": "spam"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_forwarding_sends_a_flag_naming_only_outside_things(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        spammer = await w.remote("spam", "spam.example")
        bad = await remote_post(w, spammer, 7)
        filed = await staff_report(w, spammer, [bad.id], "Sam says: spam in our #internal channel")
        response = await w.client.post(f"{IO}/reports/{filed['id']}/forward", headers=w.admin,
                                       data={"comment": "Spam sent to our staff"})
        assert response.status_code == 200, response.text
        assert response.json()["forwarded"] is True and response.json()["action_taken"] is False

        log = (await w.client.get(f"{IO}/actions", headers=w.admin, params={"action": "report.forward"})).json()
        rows = await w.storage.deliveries.for_activity(log[0]["detail"]["activity"])
        assert [r.inbox_url for r in rows] == ["https://spam.example/inbox"]
        flag = json.loads(rows[0].payload)
        company = await w.local("company")
        assert flag["type"] == "Flag" and flag["actor"] == "https://local.example/users/company"
        assert flag["object"] == [spammer.uri, bad.uri]
        assert flag["content"] == "Spam sent to our staff"
        assert set(flag) == {"@context", "id", "type", "actor", "content", "object"}
        text = json.dumps(flag)
        assert "sam" not in text.replace("spam", "") and str(filed["id"]) not in text
        await w.state.services.guard.check(flag, company)  # the guard that ran at enqueue passes it again

        again = await w.client.post(f"{IO}/reports/{filed['id']}/forward", headers=w.admin)
        assert again.status_code == 409


async def test_reports_about_local_accounts_or_blocked_servers_are_not_forwarded(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        local = await staff_report_by(w, await w.local("sam"))
        assert (await w.client.post(f"{IO}/reports/{local['id']}/forward", headers=w.admin)).status_code == 422
        spammer = await w.remote("spam", "spam.example")
        filed = await staff_report_by(w, spammer)
        await w.client.post(f"{A}/domain_blocks", headers=w.admin, data={"domain": "spam.example"})
        refused = await w.client.post(f"{IO}/reports/{filed['id']}/forward", headers=w.admin)
        assert refused.status_code == 422
        assert (await w.storage.staff_reports.get(int(filed["id"]))) is not None
        shown = (await w.client.get(f"{A}/reports/{filed['id']}", headers=w.admin)).json()
        assert shown["forwarded"] is False
