"""SCIM Groups over HTTP: departments, and the SCIM users among their members."""

from __future__ import annotations

import pytest

from storage.models import MemberRole
from tests.server.scim.conftest import GROUP_SCHEMA, ScimClient

pytestmark = pytest.mark.anyio


def new_group(name: str, *member_ids: object, **attributes: object) -> dict[str, object]:
    document: dict[str, object] = {"schemas": [GROUP_SCHEMA], "displayName": name,
                                   "members": [{"value": str(member)} for member in member_ids]}
    document.update(attributes)
    return document


async def members_of(scim: ScimClient, group_id: object) -> list[str]:
    body = (await scim.get(f"/Groups/{group_id}")).json()
    return sorted(member["value"] for member in body.get("members", []))


async def test_a_group_is_a_department_with_its_members(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example")

    response = await scim.post("/Groups", new_group("Sales Team", alice["id"], externalId="G-1"))

    assert response.status_code == 201
    body = response.json()
    assert body["displayName"] == "Sales Team"
    assert [member["value"] for member in body["members"]] == [alice["id"]]
    storage = scim.app.state.insideout.storage
    department = await storage.accounts.get(int(body["id"]))
    assert department.username == "Sales_Team"
    assert [m.account_id for m in await storage.departments.members(department.id)] == [int(alice["id"])]
    user = (await scim.get(f"/Users/{alice['id']}")).json()
    assert [group["value"] for group in user["groups"]] == [body["id"]]
    found = (await scim.get("/Groups", filter='displayName eq "sales team"', excludedAttributes="members")).json()
    assert [group["id"] for group in found["Resources"]] == [body["id"]]
    assert "members" not in found["Resources"][0]


async def test_entra_and_okta_member_patches(scim: ScimClient) -> None:
    alice, bob = await scim.create_user("alice@corp.example"), await scim.create_user("bob@corp.example")
    group = (await scim.post("/Groups", new_group("Engineering"))).json()
    path = f"/Groups/{group['id']}"

    added = await scim.patch(path, {"op": "Add", "path": "members", "value": [{"value": alice["id"]},
                                                                            {"value": bob["id"]}]})
    assert added.status_code == 204
    assert await members_of(scim, group["id"]) == sorted([alice["id"], bob["id"]])
    entra_remove = await scim.patch(path, {"op": "Remove", "path": "members", "value": [{"value": alice["id"]}]})
    assert entra_remove.status_code == 204
    assert await members_of(scim, group["id"]) == [bob["id"]]
    okta_remove = await scim.patch(path, {"op": "remove", "path": f'members[value eq "{bob["id"]}"]'})
    assert okta_remove.status_code == 204
    assert await members_of(scim, group["id"]) == []
    renamed = await scim.patch(path, {"op": "replace", "value": {"id": group["id"], "displayName": "Eng"}})
    assert renamed.status_code == 200
    assert renamed.json()["displayName"] == "Eng"


async def test_members_added_by_hand_and_publishers_are_left_alone(scim: ScimClient) -> None:
    services = scim.app.state.insideout.services
    alice = await scim.create_user("alice@corp.example")
    group = (await scim.post("/Groups", new_group("Design", alice["id"]))).json()
    await services.accounts.create_employee("carol", "carol@corp.example", "long enough password")
    await services.departments.add_member("Design", "carol")
    await services.departments.add_member("Design", "alice", MemberRole.PUBLISHER)

    assert (await scim.put(f"/Groups/{group['id']}", new_group("Design", alice["id"]))).status_code == 200
    members = {account.username: membership.role for account, membership in await services.departments.members("Design")}
    assert members == {"alice": MemberRole.PUBLISHER, "carol": MemberRole.MEMBER}

    assert (await scim.put(f"/Groups/{group['id']}", new_group("Design"))).status_code == 200
    members = {account.username: membership.role for account, membership in await services.departments.members("Design")}
    assert members == {"carol": MemberRole.MEMBER}


async def test_an_existing_department_is_adopted_and_a_deleted_group_keeps_it(scim: ScimClient) -> None:
    services = scim.app.state.insideout.services
    department = await services.departments.create("finance", "Finance")
    alice = await scim.create_user("alice@corp.example")

    response = await scim.post("/Groups", new_group("finance", alice["id"]))
    assert response.status_code == 201, response.text
    group = response.json()
    assert group["id"] == str(department.id)
    assert (await scim.post("/Groups", new_group("FINANCE"))).status_code == 409

    assert (await scim.delete(f"/Groups/{group['id']}")).status_code == 204
    assert (await scim.get(f"/Groups/{group['id']}")).status_code == 404
    assert await services.departments.members("finance") == []
    assert (await services.departments.department("finance")).id == department.id


async def test_an_unknown_member_is_an_invalid_value_and_changes_nothing(scim: ScimClient) -> None:
    response = await scim.post("/Groups", new_group("Legal", "12345"))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    group = (await scim.post("/Groups", new_group("Legal"))).json()
    patched = await scim.patch(f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": "x'--"}]})
    assert patched.status_code == 400
    assert await members_of(scim, group["id"]) == []
