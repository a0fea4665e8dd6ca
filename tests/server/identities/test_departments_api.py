"""Departments: their timelines, and the membership API for admins and the department's own publishers.

Given a department with members; when its timeline mode is set, then the
timeline shows posts addressed to it, posts by its members, or both. Admins
manage every department; a department's publishers manage only its members
and timeline; everyone else hears 403. A hidden department answers exactly
like one that never existed, outside.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.identities.world import World, bearer, world

pytestmark = pytest.mark.anyio
DEPARTMENTS = "/api/v1/admin/insideout/departments"


async def timeline(w: World, token: str) -> list[str]:
    answer = await w.client.get(f"/api/v1/timelines/department/{w.sales.id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return [s["content"] for s in answer.json()]


async def test_the_department_chooses_what_its_timeline_shows(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        stu, pat, sam = await w.token("stu"), await w.token("pat"), await w.token("sam")
        for token, text in ((stu, "by a member"), (pat, "to @sales from outside the team"), (pat, "unrelated")):
            assert (await w.client.post("/api/v1/statuses", headers=bearer(token),
                                        data={"status": text})).status_code == 200
        by_member, addressed = "<p>by a member</p>", '<p>to <span class="h-card"'

        both = await timeline(w, stu)
        assert both[0].startswith(addressed) and both[1] == by_member and len(both) == 2

        for mode, expected in (("mentions", [addressed]), ("members", [by_member])):
            changed = await w.client.put(f"{DEPARTMENTS}/{w.sales.id}", headers=bearer(sam), data={"timeline": mode})
            assert changed.status_code == 200 and changed.json()["timeline"] == mode
            shown = await timeline(w, stu)
            assert [c[:len(e)] for c, e in zip(shown, expected)] == expected and len(shown) == len(expected)

        invalid = await w.client.put(f"{DEPARTMENTS}/{w.sales.id}", headers=bearer(sam), data={"timeline": "all"})
        assert invalid.status_code == 422


async def test_membership_api_answers_admins_and_that_departments_publishers_only(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        sam = bearer(await w.token("sam"))
        stu_id, pat_id = str(w.accounts["stu"].id), str(w.accounts["pat"].id)

        listed = await w.client.get(DEPARTMENTS, headers=admin)
        assert [d["username"] for d in listed.json()] == ["legal", "sales"]
        assert [d["username"] for d in (await w.client.get(DEPARTMENTS, headers=sam)).json()] == ["sales"]
        detail = (await w.client.get(f"{DEPARTMENTS}/{w.sales.id}", headers=sam)).json()
        assert sorted((m["account"]["username"], m["role"]) for m in detail["members"]) == [
            ("sam", "publisher"), ("stu", "member")]

        added = await w.client.post(f"{DEPARTMENTS}/{w.sales.id}/members", headers=sam,
                                    data={"account_id": pat_id, "role": "member"})
        assert added.status_code == 200 and added.json()["members_count"] == 3
        removed = await w.client.delete(f"{DEPARTMENTS}/{w.sales.id}/members/{stu_id}", headers=sam)
        assert removed.status_code == 200 and removed.json()["members_count"] == 2
        assert (await w.client.post(f"{DEPARTMENTS}/{w.legal.id}/members", headers=admin,
                                    data={"account_id": stu_id, "role": "publisher"})).status_code == 200

        # sam publishes for sales only; pat is a company publisher, which is not a department manager.
        assert (await w.client.post(f"{DEPARTMENTS}/{w.legal.id}/members", headers=sam,
                                    data={"account_id": pat_id})).status_code == 403
        assert (await w.client.get(f"{DEPARTMENTS}/{w.legal.id}", headers=sam)).status_code == 403
        pat = bearer(await w.token("pat"))
        assert (await w.client.get(DEPARTMENTS, headers=pat)).status_code == 403
        assert (await w.client.post(f"{DEPARTMENTS}/{w.sales.id}/members", headers=pat,
                                    data={"account_id": pat_id})).status_code == 403
        stu = bearer(await w.token("stu"))  # now a publisher of legal, and of nothing else
        assert [d["username"] for d in (await w.client.get(DEPARTMENTS, headers=stu)).json()] == ["legal"]
        assert (await w.client.delete(f"{DEPARTMENTS}/{w.sales.id}/members/{pat_id}", headers=stu)).status_code == 403
        assert (await w.client.put(f"{DEPARTMENTS}/{w.sales.id}", headers=sam,
                                   data={"exposed": "false"})).status_code == 403
        assert (await w.client.post(DEPARTMENTS, headers=sam,
                                    data={"username": "ops", "display_name": "Ops"})).status_code == 403
        assert (await w.client.get(DEPARTMENTS)).status_code == 401
        assert (await w.client.post(f"{DEPARTMENTS}/{w.sales.id}/members", headers=admin,
                                    data={"account_id": str(w.company.id)})).status_code == 422
        assert (await w.client.get(f"{DEPARTMENTS}/{w.accounts['stu'].id}", headers=admin)).status_code == 404


async def test_an_admin_creates_and_hides_a_department_which_then_answers_like_a_missing_one(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        created = await w.client.post(DEPARTMENTS, headers=admin, data={
            "username": "research", "display_name": "Research", "public_note": "We find things out"})
        assert created.status_code == 200, created.text
        assert created.json()["exposed"] is True and created.json()["timeline"] == "both"
        domain = w.state.settings.domain
        ap = {"Accept": "application/activity+json"}
        assert (await w.client.get("/users/research", headers=ap)).status_code == 200

        hidden = await w.client.put(f"{DEPARTMENTS}/{created.json()['id']}", headers=admin,
                                    data={"exposed": "false", "display_name": "R&D"})
        assert hidden.status_code == 200 and hidden.json()["exposed"] is False

        for path in ("/users/{}", "/users/{}/outbox", "/users/{}/followers", "/@{}"):
            gone, never = [await w.client.get(path.format(name), headers=ap) for name in ("research", "nobody")]
            assert (gone.status_code, gone.content, gone.headers.get("content-type")) == (
                never.status_code, never.content, never.headers.get("content-type")) and gone.status_code == 404
        finger = [await w.client.get("/.well-known/webfinger", params={"resource": f"acct:{name}@{domain}"})
                  for name in ("research", "nobody")]
        assert finger[0].status_code == finger[1].status_code == 404 and finger[0].content == finger[1].content
        inside = await w.client.get(f"/api/v1/accounts/{created.json()['id']}", headers=admin)
        assert inside.status_code == 200 and inside.json()["display_name"] == "R&D"  # staff still see it


async def test_membership_changes_are_in_the_admin_action_log_with_who_did_them(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        sam = bearer(await w.token("sam"))
        pat_id = str(w.accounts["pat"].id)

        await w.client.post(f"{DEPARTMENTS}/{w.sales.id}/members", headers=sam, data={"account_id": pat_id})
        await w.client.put(f"{DEPARTMENTS}/{w.sales.id}/members/{pat_id}", headers=sam, data={"role": "publisher"})
        await w.client.delete(f"{DEPARTMENTS}/{w.sales.id}/members/{pat_id}", headers=sam)
        refused = await w.client.delete(f"{DEPARTMENTS}/{w.sales.id}/members/{pat_id}", headers=sam)

        logged = await w.state.storage.admin.actions(target_type="department", target_id=str(w.sales.id))
        assert refused.status_code == 404
        assert [(a.action, a.actor, dict(a.detail)) for a in reversed(logged)] == [
            ("department.member_set", f"user:{w.accounts['sam'].id}", {"account_id": pat_id, "role": "member"}),
            ("department.member_set", f"user:{w.accounts['sam'].id}", {"account_id": pat_id, "role": "publisher"}),
            ("department.member_removed", f"user:{w.accounts['sam'].id}", {"account_id": pat_id}),
        ]
