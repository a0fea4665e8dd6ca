"""Accounts and roles over the admin API: who may call it, roles, offboarding, exposure and why.

Given a running instance with an admin, a staff member and a publisher;
when the admin lists accounts, changes roles, disables and exposes people;
then only admins get through, the last admin stays, offboarding revokes
every token, and the exposure view names the reason for every visible actor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import FollowState, NewStatus, Visibility
from tests.server.api.admin_world import IO, A, admin_world
from tests.server.helpers import bearer, staff_token

pytestmark = pytest.mark.anyio

ADMIN_ROUTES = [
    ("GET", f"{A}/accounts"), ("GET", f"{A}/reports"), ("GET", f"{A}/domain_blocks"),
    ("POST", f"{A}/domain_blocks"), ("GET", f"{A}/domain_allows"), ("GET", f"{IO}/federation"),
    ("PUT", f"{IO}/federation"), ("GET", f"{IO}/federation/domains"), ("GET", f"{IO}/exposure"),
    ("GET", f"{IO}/engagement"), ("GET", f"{IO}/actions"),
]


async def test_only_admins_reach_the_admin_routes(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam = await w.local("sam")
        app_only = await w.app_only_token()
        for method, path in [*ADMIN_ROUTES, ("POST", f"{A}/accounts/{sam.id}/role"),
                             ("POST", f"{IO}/accounts/{sam.id}/expose")]:
            for headers, expected in ((w.staff, 403), (w.publisher, 403), (app_only, 401), ({}, 401)):
                response = await w.client.request(method, path, headers=headers)
                assert response.status_code == expected, (method, path, expected, response.text)
                assert "error" in response.json()
        # An admin without an admin scope is refused too.
        weak = bearer(await staff_token(w.app, "root", scopes="read write", role="admin"))
        assert (await w.client.get(f"{A}/accounts", headers=weak)).status_code == 403
        assert (await w.client.get(f"{A}/accounts", headers=w.admin)).status_code == 200


async def test_accounts_list_in_mastodon_shape_with_filters(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        await w.remote("pat", "partner.example")
        response = await w.client.get(f"{A}/accounts", headers=w.admin, params={"local": "true"})
        assert response.status_code == 200
        by_name = {a["username"]: a for a in response.json()}
        assert {"ada", "sam", "pia", "company"} <= set(by_name)
        ada = by_name["ada"]
        assert ada["email"] == "ada@example.com" and ada["role"]["name"] == "Admin" and ada["disabled"] is False
        assert ada["account"]["acct"] == "ada" and ada["domain"] is None and ada["ips"] == []
        assert by_name["company"]["role"] is None and by_name["company"]["insideout"]["exposed"] is True
        remote = (await w.client.get(f"{A}/accounts", headers=w.admin, params={"remote": "true"})).json()
        assert [(a["username"], a["domain"]) for a in remote] == [("pat", "partner.example")]
        staff = (await w.client.get(f"{A}/accounts", headers=w.admin, params={"staff": "true"})).json()
        assert {a["username"] for a in staff} == {"ada", "pia"}
        one = await w.client.get(f"{A}/accounts/{ada['id']}", headers=w.admin)
        assert one.json()["id"] == ada["id"]
        assert (await w.client.get(f"{A}/accounts/999", headers=w.admin)).status_code == 404


async def test_roles_change_and_the_last_admin_stays(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        ada, sam = await w.local("ada"), await w.local("sam")
        refused = await w.client.post(f"{A}/accounts/{ada.id}/role", headers=w.admin, data={"role": "staff"})
        assert refused.status_code == 409 and "last admin" in refused.json()["error"]
        promoted = await w.client.post(f"{A}/accounts/{sam.id}/role", headers=w.admin, data={"role": "admin"})
        assert promoted.status_code == 200 and promoted.json()["role"]["name"] == "Admin"
        demoted = await w.client.post(f"{A}/accounts/{ada.id}/role", headers=w.admin, data={"role": "publisher"})
        assert demoted.status_code == 200 and demoted.json()["role"]["name"] == "Publisher"
        # Ada is a publisher now: the admin API is closed to her on the very next request.
        assert (await w.client.get(f"{A}/accounts", headers=w.admin)).status_code == 403
        log = (await w.client.get(f"{IO}/actions", headers=w.staff, params={"action": "account.role"})).json()
        assert [(e["target_id"], e["detail"]["after"]) for e in log] == [(str(ada.id), "publisher"),
                                                                          (str(sam.id), "admin")]
        assert log[0]["actor"] == f"user:{ada.id}"
        bad = await w.client.post(f"{A}/accounts/{ada.id}/role", headers=w.staff, data={"role": "owner"})
        assert bad.status_code == 422


async def test_disable_revokes_every_token_and_enable_restores_sign_in(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam = await w.local("sam")
        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 200
        response = await w.client.post(f"{A}/accounts/{sam.id}/action", headers=w.admin,
                                       data={"type": "disable", "text": "left the company"})
        assert response.status_code == 200 and response.json() == {}
        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 401
        shown = (await w.client.get(f"{A}/accounts/{sam.id}", headers=w.admin)).json()
        assert shown["disabled"] is True
        disabled = (await w.client.get(f"{A}/accounts", headers=w.admin, params={"disabled": "true"})).json()
        assert [a["username"] for a in disabled] == ["sam"]
        enabled = await w.client.post(f"{A}/accounts/{sam.id}/enable", headers=w.admin)
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False
        # Old tokens stay revoked; a fresh sign-in is needed.
        assert (await w.client.get("/api/v1/accounts/verify_credentials", headers=w.staff)).status_code == 401
        log = (await w.client.get(f"{IO}/actions", headers=w.admin, params={"target_id": str(sam.id)})).json()
        assert [e["action"] for e in log] == ["account.enable", "account.disable"]
        assert log[1]["reason"] == "left the company"
        unsupported = await w.client.post(f"{A}/accounts/{sam.id}/action", headers=w.admin, data={"type": "suspend"})
        assert unsupported.status_code == 422


async def test_exposure_needs_a_reason_tells_the_employee_and_is_explained(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam, pia = await w.local("sam"), await w.local("pia")
        missing = await w.client.post(f"{IO}/accounts/{sam.id}/expose", headers=w.admin, data={"reason": " "})
        assert missing.status_code == 422
        exposed = await w.client.post(f"{IO}/accounts/{sam.id}/expose", headers=w.admin,
                                      data={"reason": "speaks at the partner conference"})
        assert exposed.status_code == 200 and exposed.json()["insideout"]["exposed"] is True
        notes = (await w.client.get("/api/v1/notifications", headers=w.staff)).json()
        assert notes[0]["type"] == "mention" and notes[0]["account"]["acct"] == "company"
        assert "speaks at the partner conference" in notes[0]["status"]["content"]
        assert notes[0]["status"]["visibility"] == "direct"
        # Pia is exposed by her own acts: a published post, a follow and a like outside.
        partner = await w.remote("pat", "partner.example")
        await w.storage.follows.follow(pia.id, partner.id, FollowState.ACCEPTED)
        remote_post = await w.storage.statuses.create(NewStatus(
            account_id=partner.id, visibility=Visibility.PUBLIC, local=False, text="hello",
            uri="https://partner.example/notes/1"))
        await w.storage.interactions.add("favourite", pia.id, remote_post.id)
        post = await w.storage.statuses.create(NewStatus(account_id=pia.id, visibility=Visibility.PUBLIC,
                                                         text="launch", content="<p>launch</p>"))
        await w.state.services.publication.publish(post.id, by=f"user:{pia.id}", announcers=[], reason="launch day")
        listing = (await w.client.get(f"{IO}/exposure", headers=w.admin)).json()
        by_acct = {e["account"]["acct"]: e for e in listing}
        assert "ada" not in by_acct
        assert [r["cause"] for r in by_acct["company"]["reasons"]] == ["company"]
        assert [(r["cause"], r["reason"], r["actor"]) for r in by_acct["sam"]["reasons"]] == [
            ("admin", "speaks at the partner conference", f"user:{(await w.local('ada')).id}")]
        pia_causes = {r["cause"]: r for r in by_acct["pia"]["reasons"]}
        assert set(pia_causes) == {"followed", "favourited", "published"}
        assert pia_causes["followed"]["subject"] == partner.uri
        assert pia_causes["favourited"]["subject"] == "https://partner.example/notes/1"
        assert pia_causes["published"]["reason"] == "launch day"


async def test_hiding_an_author_of_published_posts_is_refused(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        sam, pia = await w.local("sam"), await w.local("pia")
        await w.client.post(f"{IO}/accounts/{sam.id}/expose", headers=w.admin, data={"reason": "press contact"})
        hidden = await w.client.post(f"{IO}/accounts/{sam.id}/hide", headers=w.admin, data={"reason": "done"})
        assert hidden.status_code == 200 and hidden.json()["insideout"]["exposed"] is False
        post = await w.storage.statuses.create(NewStatus(account_id=pia.id, visibility=Visibility.PUBLIC,
                                                         text="launch", content="<p>launch</p>"))
        await w.state.services.publication.publish(post.id, by="cli:test", announcers=[], reason=None)
        refused = await w.client.post(f"{IO}/accounts/{pia.id}/hide", headers=w.admin)
        assert refused.status_code == 409
        company = await w.local("company")
        assert (await w.client.post(f"{IO}/accounts/{company.id}/hide", headers=w.admin)).status_code == 422
