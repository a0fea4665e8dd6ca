"""``/api/v1/admin/insideout/announcements``: publishers and admins write, edit, end and delete; nobody else.

Given the world of admin ada, publisher pat, sales publisher sam and staff
stu; when each calls the admin API; then the scope is asked first (403
without ``admin:*``), then the role (403 for anyone but publishers and
admins), bad input is a 422 naming what is wrong with nothing written, and
every change is in the admin action log.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.identities.world import bearer, world

pytestmark = pytest.mark.anyio
PATH = "/api/v1/admin/insideout/announcements"


async def test_publishers_write_edit_end_and_delete_with_an_audit_trail(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        pat = bearer(await w.token("pat"))
        created = await w.client.post(PATH, json={"text": "Hello #team", "department_ids": [str(w.sales.id)]},
                                      headers=pat)
        announcement_id = created.json()["id"]
        edited = await w.client.put(f"{PATH}/{announcement_id}", json={"text": "Hello all"}, headers=pat)
        ended = await w.client.post(f"{PATH}/{announcement_id}/end", headers=pat)
        listed = await w.client.get(PATH, headers=pat)
        deleted = await w.client.delete(f"{PATH}/{announcement_id}", headers=pat)
        gone = await w.client.get(f"{PATH}/{announcement_id}", headers=pat)

        assert created.status_code == 200
        assert created.json()["departments"][0]["username"] == "sales"
        assert created.json()["state"] == "active"
        assert '<a href="http://testserver/tags/team"' in created.json()["content"]
        assert edited.json()["departments"] == []
        assert edited.json()["text"] == "Hello all"
        assert ended.json()["state"] == "ended"
        assert ended.json()["ended_at"] is not None
        assert [a["id"] for a in listed.json()] == [announcement_id]
        assert deleted.status_code == 200
        assert gone.status_code == 404
        actions = [a.action for a in await w.state.services.admin_log.actions(target_type="announcement")]
        assert actions == ["delete_announcement", "end_announcement", "update_announcement", "create_announcement"]


async def test_scope_then_role(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        staff = await w.client.post(PATH, json={"text": "Hi"}, headers=bearer(await w.token("stu")))
        department_publisher = await w.client.get(PATH, headers=bearer(await w.token("sam")))
        no_scope = await w.client.post(PATH, json={"text": "Hi"},
                                       headers=bearer(await w.token("ada", scopes="read write")))
        read_only = await w.client.post(PATH, json={"text": "Hi"},
                                        headers=bearer(await w.token("ada", scopes="admin:read")))
        anonymous = await w.client.get(PATH)

        assert staff.status_code == 403
        assert department_publisher.status_code == 403
        assert no_scope.status_code == 403
        assert read_only.status_code == 403
        assert anonymous.status_code == 401
        assert (await w.client.get(PATH, headers=bearer(await w.token("ada")))).json() == []


@pytest.mark.parametrize(("body", "message"), [
    ({"text": " "}, "Write the announcement's text."),
    ({"text": "Hi", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, "The end must come"),
    ({"text": "Hi", "department_ids": ["nowhere"]}, "There is no department 'nowhere'."),
    ({"text": "Hi", "starts_at": "tomorrow"}, "starts_at is not a valid ISO 8601"),
])
async def test_bad_input_is_refused_and_nothing_written(tmp_path: Path, body: dict[str, object], message: str) -> None:
    async with world(tmp_path) as w:
        ada = bearer(await w.token("ada"))
        refused = await w.client.post(PATH, json=body, headers=ada)

        assert refused.status_code == 422
        assert message in refused.json()["error"]
        assert (await w.client.get(PATH, headers=ada)).json() == []
        assert await w.state.services.admin_log.actions(target_type="announcement") == []


async def test_a_person_departments_employee_is_not_a_department(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        refused = await w.client.post(PATH, json={"text": "Hi", "department_ids": ["stu"]},
                                      headers=bearer(await w.token("ada")))
        assert refused.status_code == 422
