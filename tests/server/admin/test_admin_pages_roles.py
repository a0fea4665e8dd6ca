"""Role limits on the admin pages: department publishers see and decide only their departments' posts,
and the admin-only pages (audit, accounts, exposure, federation, reports, engagement) refuse everyone else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import MemberRole, PublicationState
from tests.server.admin.pages import rows, site

pytestmark = pytest.mark.anyio

ADMIN_ONLY = ("/admin/audit", "/admin/accounts", "/admin/exposure", "/admin/federation", "/admin/reports",
              "/admin/published", "/admin/published.csv")


async def test_a_department_publisher_sees_and_decides_only_posts_addressed_to_their_department(
    tmp_path: Path,
) -> None:
    async with site(tmp_path) as s:
        alice = await s.employee("alice")
        await s.employee("dana")
        await s.department("sales", "dana")
        await s.department("ops")
        ours = await s.post(alice, "@sales Quarter closed SALES-POST")
        theirs = await s.post(alice, "@ops Maintenance window OPS-POST")
        await s.sign_in("dana")

        listed = await s.client.get("/admin/statuses")
        other = await s.submit(f"/admin/statuses/{theirs}/publish", reason="ready to go out")
        own = await s.submit(f"/admin/statuses/{ours}/publish", reason="ready to go out")
        departments = await s.client.get("/admin/departments")

        assert "SALES-POST" in rows(listed.text, "statuses") and "OPS-POST" not in listed.text
        assert other.status_code == 403
        assert (await s.status(theirs)).publication_state is PublicationState.INTERNAL
        assert own.status_code == 303 and (await s.status(ours)).publication_state is PublicationState.PUBLISHED
        assert "@sales" in departments.text and "@ops" not in departments.text


async def test_admin_only_pages_refuse_publishers_and_department_publishers(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.sign_in("pia")

        answers = [await s.client.get(path) for path in ADMIN_ONLY]
        role_change = await s.submit(f"/admin/accounts/{(await s.account('pia')).id}/role", role="admin")
        nav = await s.client.get("/admin/queue")

        assert [a.status_code for a in answers] == [403] * len(ADMIN_ONLY)
        assert role_change.status_code == 403
        assert 'href="/admin/audit"' not in nav.text and 'href="/admin/queue"' in nav.text


async def test_a_department_publisher_manages_members_of_their_own_department_only(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("dana")
        await s.employee("eve")
        sales = await s.department("sales", "dana")
        ops = await s.department("ops")
        await s.sign_in("dana")

        added = await s.submit(f"/admin/departments/{sales.id}/members", username="eve", role="member")
        elsewhere = await s.submit(f"/admin/departments/{ops.id}/members", username="eve", role="member")
        page = await s.client.get("/admin/departments")

        assert added.status_code == 303 and elsewhere.status_code == 403
        members = await s.state.storage.departments.members(sales.id)
        eve = await s.account("eve")
        assert any(m.account_id == eve.id and m.role is MemberRole.MEMBER for m in members)
        assert not await s.state.storage.departments.members(ops.id)
        assert "@eve" in page.text
