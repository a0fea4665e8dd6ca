"""SCIM Users over HTTP: create, read, filter, replace, patch (Entra ID's and Okta's forms), delete."""

from __future__ import annotations

import pytest

from tests.server.scim.conftest import SCIM_JSON, ScimClient, new_user

pytestmark = pytest.mark.anyio


async def employee(scim: ScimClient, user_id: object) -> object:
    storage = scim.app.state.insideout.storage
    account = await storage.accounts.get(int(str(user_id)))
    user = await storage.accounts.get_user(int(str(user_id)))
    return account, user


async def test_a_created_user_is_an_employee_named_from_the_user_name(scim: ScimClient) -> None:
    response = await scim.post("/Users", new_user("alice@corp.example", "alice@corp.example", displayName="Alice A",
                                                  externalId="E-1", password="never kept"))

    assert response.status_code == 201
    assert response.headers["content-type"].startswith(SCIM_JSON)
    body = response.json()
    assert response.headers["location"] == body["meta"]["location"]
    assert body["userName"] == "alice@corp.example"
    assert body["externalId"] == "E-1"
    assert body["active"] is True
    assert "password" not in body
    account, user = await employee(scim, body["id"])
    assert account.username == "alice"  # type: ignore[attr-defined]
    assert account.display_name == "Alice A"  # type: ignore[attr-defined]
    assert user.email == "alice@corp.example"  # type: ignore[attr-defined]
    fetched = await scim.get(f"/Users/{body['id']}")
    assert fetched.json()["emails"] == [{"value": "alice@corp.example", "type": "work", "primary": True}]


async def test_a_taken_user_name_is_a_uniqueness_error_and_a_namesake_gets_another_username(scim: ScimClient) -> None:
    await scim.create_user("alice@corp.example")
    again = await scim.post("/Users", new_user("ALICE@corp.example"))
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    other = await scim.create_user("alice@branch.example")
    account, _ = await employee(scim, other["id"])
    assert account.username == "alice2"  # type: ignore[attr-defined]


@pytest.mark.parametrize("filter_text", [
    'userName eq "bob@corp.example"',
    'USERNAME eq "BOB@corp.example"',
    'externalId eq "E-2"',
    'emails[type eq "work"].value eq "bob@corp.example"',
    'emails[type eq "work" and value eq "BOB@corp.example"]',
    'emails.value eq "bob@corp.example"',
    'userName eq "bob@corp.example" and externalId eq "E-2"',
])
async def test_filters_find_the_user(scim: ScimClient, filter_text: str) -> None:
    await scim.create_user("alice@corp.example", externalId="E-1")
    bob = await scim.create_user("bob@corp.example", externalId="E-2",
                                 emails=[{"value": "bob@corp.example", "type": "work"}])

    response = await scim.get("/Users", filter=filter_text)

    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 1
    assert [found["id"] for found in body["Resources"]] == [bob["id"]]


async def test_listing_pages_and_filtering_finds_nothing_for_a_stranger(scim: ScimClient) -> None:
    for name in ("a", "b", "c"):
        await scim.create_user(f"{name}@corp.example")
    page = (await scim.get("/Users", startIndex="2", count="1")).json()
    assert page["totalResults"] == 3
    assert page["startIndex"] == 2
    assert [user["userName"] for user in page["Resources"]] == ["b@corp.example"]
    none = (await scim.get("/Users", filter='userName eq "zed@corp.example"')).json()
    assert none["totalResults"] == 0
    assert none["Resources"] == []


async def test_attributes_select_what_comes_back(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", displayName="Alice", externalId="E-1")
    only = (await scim.get(f"/Users/{alice['id']}", attributes="userName")).json()
    assert "userName" in only
    assert "displayName" not in only
    without = (await scim.get(f"/Users/{alice['id']}", excludedAttributes="displayName")).json()
    assert "displayName" not in without
    assert without["externalId"] == "E-1"


async def test_put_replaces_the_attributes_and_renames(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", displayName="Alice", title="Engineer")

    response = await scim.put(f"/Users/{alice['id']}", new_user("alice.a@corp.example", displayName="Alice Aa"))

    assert response.status_code == 200
    body = response.json()
    assert body["userName"] == "alice.a@corp.example"
    assert "title" not in body
    assert body["meta"]["version"] != alice["meta"]["version"]
    account, _ = await employee(scim, alice["id"])
    assert account.username == "alice"  # type: ignore[attr-defined]  # our username never changes
    assert account.display_name == "Alice Aa"  # type: ignore[attr-defined]


async def test_entra_style_patch_with_a_string_false_departs_and_true_reinstates(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example")

    off = await scim.patch(f"/Users/{alice['id']}", {"op": "Replace", "path": "active", "value": "False"})

    assert off.status_code == 200
    assert off.json()["active"] is False
    _, user = await employee(scim, alice["id"])
    assert user.disabled  # type: ignore[attr-defined]
    on = await scim.patch(f"/Users/{alice['id']}", {"op": "Replace", "path": "active", "value": "True"})
    assert on.json()["active"] is True
    _, user = await employee(scim, alice["id"])
    assert not user.disabled  # type: ignore[attr-defined]
    entries = await scim.app.state.insideout.storage.admin.actions(target_type="account", target_id=alice["id"])
    by_action = {entry.action: entry.actor for entry in entries}
    assert by_action["account.disable"] == "scim:idp"
    assert by_action["account.enable"] == "scim:idp"


async def test_okta_style_path_less_replace(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", displayName="Alice")

    response = await scim.patch(f"/Users/{alice['id']}",
                                {"op": "replace", "value": {"active": False, "displayName": "Alice Gone"}})

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["displayName"] == "Alice Gone"


async def test_a_user_disabled_here_is_not_reinstated_by_an_unrelated_scim_write(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example")
    services = scim.app.state.insideout.services
    await services.offboarding.depart(int(alice["id"]), actor="cli:root", reason="left")

    response = await scim.patch(f"/Users/{alice['id']}", {"op": "replace", "path": "displayName", "value": "A"})

    assert response.json()["active"] is False


async def test_delete_disables_and_the_user_is_gone_but_the_username_is_never_reused(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", emails=[{"value": "alice@corp.example", "type": "work"}])

    assert (await scim.delete(f"/Users/{alice['id']}")).status_code == 204

    gone = await scim.get(f"/Users/{alice['id']}")
    assert gone.status_code == 404
    assert gone.json()["status"] == "404"
    _, user = await employee(scim, alice["id"])
    assert user.disabled  # type: ignore[attr-defined]
    assert (await scim.delete(f"/Users/{alice['id']}")).status_code == 404
    newcomer = await scim.create_user("alice@corp.example", emails=[{"value": "alice@corp.example", "type": "work"}])
    assert newcomer["id"] != alice["id"]
    account, user = await employee(scim, newcomer["id"])
    assert account.username == "alice2"  # type: ignore[attr-defined]
    assert user.email.endswith("@scim.invalid")  # type: ignore[attr-defined]  # the address stays the first's


async def test_an_existing_employee_with_the_email_is_adopted(scim: ScimClient) -> None:
    services = scim.app.state.insideout.services
    existing = await services.accounts.create_employee("carol", "carol@corp.example", "long enough password")

    created = await scim.create_user("c.smith@corp.example", emails=[{"value": "Carol@corp.example", "type": "work"}])

    assert created["id"] == str(existing.account.id)


async def test_created_inactive_is_disabled(scim: ScimClient) -> None:
    created = await scim.create_user("dave@corp.example", active=False)
    assert created["active"] is False


async def test_the_sign_in_email_follows_the_work_email_unless_another_account_has_it(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", emails=[{"value": "alice@corp.example", "type": "work"}])
    await scim.create_user("bob@corp.example", emails=[{"value": "bob@corp.example", "type": "work"}])

    moved = await scim.patch(f"/Users/{alice['id']}", {"op": "replace", "path": 'emails[type eq "work"].value',
                                                       "value": "alice@new.example"})
    assert moved.status_code == 200
    _, user = await employee(scim, alice["id"])
    assert user.email == "alice@new.example"  # type: ignore[attr-defined]

    taken = await scim.patch(f"/Users/{alice['id']}", {"op": "replace", "path": 'emails[type eq "work"].value',
                                                       "value": "bob@corp.example"},
                             {"op": "replace", "path": "active", "value": False})
    assert taken.status_code == 200
    assert taken.json()["active"] is False
    _, user = await employee(scim, alice["id"])
    assert user.email == "alice@new.example"  # type: ignore[attr-defined]
    assert user.disabled  # type: ignore[attr-defined]


async def test_reactivation_restores_sign_in_but_not_the_old_tokens(scim: ScimClient) -> None:
    from server.mastodon.auth import digest_token, new_token

    alice = await scim.create_user("alice@corp.example")
    token = new_token()
    await scim.app.state.insideout.storage.tokens.create_access_token(digest_token(token), int(alice["id"]), None,
                                                                       ["read"])
    me = await scim.http.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200

    await scim.patch(f"/Users/{alice['id']}", {"op": "Replace", "path": "active", "value": "False"})
    await scim.patch(f"/Users/{alice['id']}", {"op": "Replace", "path": "active", "value": "True"})

    _, user = await employee(scim, alice["id"])
    assert not user.disabled  # type: ignore[attr-defined]
    again = await scim.http.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


async def test_a_search_by_post_takes_the_same_filters(scim: ScimClient) -> None:
    alice = await scim.create_user("alice@corp.example", externalId="E-1")
    await scim.create_user("bob@corp.example")

    response = await scim.post("/Users/.search", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'externalId eq "E-1"', "attributes": ["userName"], "startIndex": 1, "count": 10,
    })

    assert response.status_code == 200
    body = response.json()
    assert [(user["id"], user["userName"]) for user in body["Resources"]] == [(alice["id"], "alice@corp.example")]
    assert "externalId" not in body["Resources"][0]
    bad = await scim.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                             "filter": "userName eq 'x' or 1=1"})
    assert bad.status_code == 400
    assert bad.json()["scimType"] == "invalidFilter"


async def test_a_break_glass_account_is_never_adopted(scim: ScimClient) -> None:
    services = scim.app.state.insideout.services
    glass = await services.accounts.create_employee("glass", "ops@corp.example", "long enough password",
                                                    local_login=True)

    created = await scim.create_user("ops@corp.example", emails=[{"value": "ops@corp.example", "type": "work"}])

    assert created["id"] != str(glass.account.id)
    _, user = await employee(scim, created["id"])
    assert user.email.endswith("@scim.invalid")  # type: ignore[attr-defined]


async def test_entra_enterprise_attributes_and_its_bare_manager_id(scim: ScimClient) -> None:
    boss = await scim.create_user("boss@corp.example")
    alice = await scim.create_user("alice@corp.example")
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

    response = await scim.patch(f"/Users/{alice['id']}",
                                {"op": "Add", "path": f"{enterprise}:department", "value": "Sales"},
                                {"op": "Add", "path": f"{enterprise}:manager", "value": boss["id"]},
                                {"op": "Add", "path": 'emails[type eq "work"].value', "value": "alice@corp.example"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body[enterprise]["department"] == "Sales"
    assert body[enterprise]["manager"]["value"] == boss["id"]
    assert body["emails"] == [{"value": "alice@corp.example", "type": "work"}]
