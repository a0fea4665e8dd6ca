"""Attacks on the SCIM door, each refused cleanly with nothing created: other tokens, hostile filters, bodies."""

from __future__ import annotations

import pytest

from tests.server.helpers import bearer, staff_token
from tests.server.scim.conftest import SCIM, SCIM_JSON, ScimClient, new_user

pytestmark = pytest.mark.anyio


async def scim_user_count(scim: ScimClient) -> int:
    return int((await scim.get("/Users")).json()["totalResults"])


async def test_a_scim_token_does_not_open_the_mastodon_api(scim: ScimClient) -> None:
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/timelines/home"):
        response = await scim.http.get(path, headers=bearer(scim.token))
        assert response.status_code == 401
    posted = await scim.http.post("/api/v1/statuses", headers=bearer(scim.token), json={"status": "hello"})
    assert posted.status_code == 401


async def test_a_mastodon_token_does_not_open_scim(scim: ScimClient) -> None:
    token = await staff_token(scim.app, "mallory", role="admin")

    for method, path in (("GET", "/Users"), ("POST", "/Users"), ("GET", "/ServiceProviderConfig"),
                         ("GET", "/nowhere")):
        response = await scim.http.request(method, f"{SCIM}{path}", headers=bearer(token),
                                           json=new_user("mallory2@corp.example") if method == "POST" else None)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(SCIM_JSON)
        assert response.json()["status"] == "401"
    assert await scim_user_count(scim) == 0


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer ", "Basic c2NpbTpzY2lt", "Bearer scim_forged",
                                           "Bearer " + "scim_" + "A" * 5000])
async def test_no_bad_or_forged_token_opens_scim(scim: ScimClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await scim.http.post(f"{SCIM}/Users", json=new_user("eve@corp.example"), headers=headers)
    assert response.status_code == 401
    assert await scim_user_count(scim) == 0


async def test_a_revoked_token_is_refused_at_once(scim: ScimClient) -> None:
    await scim.app.state.insideout.services.scim_tokens.revoke("idp", by="test")
    assert (await scim.get("/Users")).status_code == 401


@pytest.mark.parametrize("filter_text", [
    "userName eq \"x\" or \"1\"=\"1\"",
    "userName eq 'x' OR 1=1",
    "userName eq \"x\"; DROP TABLE users; --",
    "userName eq x",
    "userName eq \"unterminated",
    "\" or 1=1 --",
    "userName eq \"a\" or userName pr",
    "not (userName eq \"x\")",
    "userName sw \"a\"",
    "userName pr",
    "password eq \"secret\"",
    "nickName eq \"x\"",
    "foo eq \"x\"",
    "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
    "emails[type eq \"home\"].value eq \"a@example.com\"",
    "emails[value co \"@\"]",
    "userName eq \"" + "a" * 300 + "\"",
    "userName eq \"" + "a" * 5000 + "\"",
    "userName eq \"x\" and " * 200 + "userName eq \"x\"",
    "((((((((((((((((((((((((((((((userName eq \"x\"))))))))))))))))))))))))))))))" * 3,
    "userName eq \"\\u0000\"",
    "",
    "urn:evil:schema:userName eq \"x\"",
])
async def test_a_hostile_filter_is_a_clean_invalid_filter(scim: ScimClient, filter_text: str) -> None:
    await scim.create_user("alice@corp.example")

    response = await scim.get("/Users", filter=filter_text)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["scimType"] == "invalidFilter"
    assert await scim_user_count(scim) == 1


@pytest.mark.parametrize("value", ["x' OR '1'='1", "alice@corp.example' --", "%", "_lice@corp.example",
                                   "ALICE@CORP.EXAMPLE\" or \"1\"=\"1"])
async def test_sql_shaped_values_are_only_values(scim: ScimClient, value: str) -> None:
    await scim.create_user("alice@corp.example")
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')

    response = await scim.get("/Users", filter=f'userName eq "{quoted}"')

    assert response.status_code == 200
    assert response.json()["totalResults"] == 0
    assert await scim_user_count(scim) == 1


async def test_a_group_filter_on_an_unknown_attribute_is_invalid(scim: ScimClient) -> None:
    response = await scim.get("/Groups", filter='members[value eq "1"] or displayName pr')
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"x"', b"{" * 100 + b"}" * 100,
                                  b'{"userName": "x", "schemas": "nope"}',
                                  b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}',
                                  b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 7}'])
async def test_a_malformed_body_is_a_clean_400(scim: ScimClient, body: bytes) -> None:
    response = await scim.http.post(f"{SCIM}/Users", content=body, headers=scim.headers)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "400"
    assert await scim_user_count(scim) == 0


async def test_an_oversized_body_is_413(scim: ScimClient) -> None:
    body = b'{"userName": "' + b"a" * 5_000_000 + b'"}'
    response = await scim.http.post(f"{SCIM}/Users", content=body, headers=scim.headers)
    assert response.status_code == 413
    assert await scim_user_count(scim) == 0


async def test_an_unknown_path_and_a_wrong_method_answer_in_scim_shape(scim: ScimClient) -> None:
    missing = await scim.get("/Nothing/here")
    assert missing.status_code == 404
    assert missing.json()["status"] == "404"
    wrong = await scim.http.delete(f"{SCIM}/Users", headers=scim.headers)
    assert wrong.status_code == 405
    assert (await scim.get("/Users/not-a-number")).status_code == 404
    assert (await scim.get("/Users/99999999999999999999999")).status_code == 404


@pytest.mark.parametrize("user_name", ["", "   ", "a" * 257, "tab\there", "line\nbreak"])
async def test_a_bad_user_name_is_an_invalid_value_and_creates_nothing(scim: ScimClient, user_name: str) -> None:
    response = await scim.post("/Users", new_user(user_name))
    assert response.status_code == 400
    assert await scim_user_count(scim) == 0
