"""The federation policy changed at runtime: blocks and allows take effect on the next request, no restart.

Given a running instance and a partner server; when an admin blocks or
allows a domain or switches the mode through the API; then the inbox, the
outbound client and the delivery planner all see the change at once, the
configured lists stay the floor, and every change is audited.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activitypub.errors import BlockedDestination
from storage.models import FollowState
from tests.server.api.admin_world import IO, A, AdminWorld, admin_world

pytestmark = pytest.mark.anyio

NOTE_URL = "https://partner.example/notes/1"


async def inbox_status(w: AdminWorld, actor: str) -> int:
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor}#likes/1", "type": "Like",
                "actor": actor, "object": "https://local.example/users/company"}
    response = await w.client.post("/inbox", content=json.dumps(activity).encode(),
                                   headers={"Content-Type": "application/activity+json"})
    return response.status_code


async def test_a_runtime_block_applies_at_once_to_inbox_and_outbound(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        w.outside.documents[NOTE_URL] = {"id": NOTE_URL, "type": "Note"}
        actor = "https://social.partner.example/users/pat"
        assert await inbox_status(w, actor) == 401  # allowed: refused only for lacking a signature
        assert (await w.state.http.get_json(NOTE_URL)).document["id"] == NOTE_URL

        created = await w.client.post(f"{A}/domain_blocks", headers=w.admin,
                                      data={"domain": "Partner.Example", "private_comment": "spam wave"})
        assert created.status_code == 200, created.text
        block = created.json()
        assert block["domain"] == "partner.example" and block["severity"] == "suspend"
        assert block["private_comment"] == "spam wave"

        assert await inbox_status(w, actor) == 403  # subdomains are covered
        with pytest.raises(BlockedDestination):
            await w.state.http.get_json(NOTE_URL)
        assert [r["domain"] for r in (await w.client.get(f"{A}/domain_blocks", headers=w.admin)).json()] == [
            "partner.example"]
        again = await w.client.post(f"{A}/domain_blocks", headers=w.admin, data={"domain": "partner.example"})
        assert again.status_code == 409

        deleted = await w.client.delete(f"{A}/domain_blocks/{block['id']}", headers=w.admin)
        assert deleted.status_code == 200 and deleted.json() == {}
        assert await inbox_status(w, actor) == 401
        assert (await w.state.http.get_json(NOTE_URL)).status == 200
        log = (await w.client.get(f"{IO}/actions", headers=w.admin, params={"target_type": "domain"})).json()
        assert [(e["action"], e["target_id"]) for e in log] == [("domain.unblock", "partner.example"),
                                                                 ("domain.block", "partner.example")]


async def test_deliveries_are_not_planned_to_a_blocked_domain(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        partner = await w.remote("pat", "partner.example")
        company = await w.local("company")
        await w.client.post(f"{A}/domain_blocks", headers=w.admin, data={"domain": "partner.example"})
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Update",
                    "id": "https://local.example/users/company#updates/1", "actor": "https://local.example/users/company",
                    "object": "https://local.example/users/company"}
        assert await w.state.services.sender.send(activity, company, [partner]) == 0


async def test_allowlist_mode_lets_only_allowed_domains_through(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        w.outside.documents[NOTE_URL] = {"id": NOTE_URL, "type": "Note"}
        changed = await w.client.put(f"{IO}/federation", headers=w.admin, data={"mode": "allowlist"})
        assert changed.status_code == 200
        assert changed.json()["mode"] == "allowlist" and changed.json()["configured_mode"] == "open"
        assert await inbox_status(w, "https://partner.example/users/pat") == 403
        with pytest.raises(BlockedDestination):
            await w.state.http.get_json(NOTE_URL)

        allowed = await w.client.post(f"{A}/domain_allows", headers=w.admin, data={"domain": "partner.example"})
        assert allowed.status_code == 200 and allowed.json()["domain"] == "partner.example"
        assert await inbox_status(w, "https://partner.example/users/pat") == 401
        assert await inbox_status(w, "https://other.example/users/oz") == 403
        assert (await w.state.http.get_json(NOTE_URL)).status == 200

        # A block beats an allow.
        await w.client.post(f"{A}/domain_blocks", headers=w.admin, data={"domain": "partner.example"})
        assert await inbox_status(w, "https://partner.example/users/pat") == 403

        back = await w.client.put(f"{IO}/federation", headers=w.admin, data={"mode": "configured"})
        assert back.json()["mode"] == "open" and back.json()["override"] is None
        assert await inbox_status(w, "https://other.example/users/oz") == 401


async def test_the_configuration_is_the_floor(tmp_path: Path) -> None:
    environ = {"INSIDEOUT_FEDERATION_MODE": "allowlist", "INSIDEOUT_FEDERATION_BLOCKED_DOMAINS": "bad.example",
               "INSIDEOUT_FEDERATION_ALLOWED_DOMAINS": "partner.example"}
    async with admin_world(tmp_path, **environ) as w:
        shown = (await w.client.get(f"{IO}/federation", headers=w.admin)).json()
        assert shown["configured_blocked_domains"] == ["bad.example"]
        assert shown["configured_allowed_domains"] == ["partner.example"]
        opened = await w.client.put(f"{IO}/federation", headers=w.admin, data={"mode": "open"})
        assert opened.status_code == 422
        duplicate = await w.client.post(f"{A}/domain_blocks", headers=w.admin, data={"domain": "bad.example"})
        assert duplicate.status_code == 409
        assert await inbox_status(w, "https://partner.example/users/pat") == 401
        assert await inbox_status(w, "https://bad.example/users/x") == 403
        assert (await w.client.post(f"{A}/domain_blocks", headers=w.admin,
                                    data={"domain": "not a domain"})).status_code == 422
        assert (await w.client.post(f"{A}/domain_blocks", headers=w.admin,
                                    data={"domain": "x.example", "severity": "silence"})).status_code == 422


async def test_followers_and_delivery_health_per_domain(tmp_path: Path) -> None:
    async with admin_world(tmp_path) as w:
        company = await w.local("company")
        sam = await w.local("sam")  # not exposed: its outside followers are not counted
        for name in ("pat", "kim"):
            follower = await w.remote(name, "partner.example")
            await w.storage.follows.follow(follower.id, company.id, FollowState.ACCEPTED)
        other = await w.remote("oz", "other.example")
        await w.storage.follows.follow(other.id, company.id, FollowState.ACCEPTED)
        await w.storage.follows.follow(other.id, sam.id, FollowState.ACCEPTED)
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Update",
                    "id": "https://local.example/users/company#updates/1", "actor": "https://local.example/users/company",
                    "object": "https://local.example/users/company"}
        assert await w.state.services.sender.send(activity, company, [other]) == 1
        domains = (await w.client.get(f"{IO}/federation/domains", headers=w.admin)).json()
        by_domain = {d["domain"]: d for d in domains}
        assert by_domain["partner.example"]["followers"] == 2
        assert by_domain["partner.example"]["followers_by_account"] == [{"account_id": str(company.id), "count": 2}]
        assert by_domain["other.example"]["followers"] == 1
        assert by_domain["other.example"]["delivery"]["pending"] == 1
        assert by_domain["other.example"]["allowed"] is True
        assert by_domain["partner.example"]["delivery"]["unavailable"] is False
