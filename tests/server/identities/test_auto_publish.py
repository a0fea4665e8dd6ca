"""Auto-publish: a trusted account's public posts, and public posts addressed to a trusted department, go out at once.

Given an admin who trusts an account or a department; when a public post is
made, then it is published on creation through the publication service
(Create and Announce deliveries queued for outside followers), and the audit
log names the policy and the human. Untrusted, unlisted or private posts
stay internal. Only admins change policies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from activitypub.uris import actor_id
from storage.models import Page
from storage.review import AuditFilter
from tests.server.identities.world import World, bearer, consent, world

pytestmark = pytest.mark.anyio
POLICIES = "/api/v1/admin/insideout/policies"


async def post(w: World, token: str, text: str, visibility: str = "public") -> dict[str, object]:
    answer = await w.client.post("/api/v1/statuses", headers=bearer(token), data={"status": text,
                                                                                   "visibility": visibility})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


async def publication_actors(w: World, status_id: int) -> list[str]:
    entries = await w.state.storage.review.audit(AuditFilter(status_id=status_id), Page(limit=10))
    return [e.actor for e in entries if e.action == "publish"]


async def test_a_trusted_employees_public_post_is_published_on_creation_with_deliveries(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        stu = w.accounts["stu"]
        await w.remote_follower(stu, "fan")
        await w.remote_follower(w.company, "partner")
        admin = bearer(await w.token("ada"))
        trusted = await w.client.put(f"{POLICIES}/auto_publish/{stu.id}", headers=admin,
                                     data={"enabled": "true", "reason": "press officer"})
        assert trusted.status_code == 200, trusted.text
        assert trusted.json()["enabled"] is True and trusted.json()["default"] is False
        policy_id = trusted.json()["policy_id"]

        token = await w.token("stu")
        status = await post(w, token, "Our new product is out")

        assert status["publication"]["state"] == "published"  # type: ignore[index]
        stored = await w.state.storage.statuses.get(int(str(status["id"])))
        assert stored is not None and stored.uri is not None
        creates = await w.state.storage.deliveries.for_activity(f"{stored.uri}/activity")
        assert [d.inbox_url for d in creates] == ["https://partner.example/users/fan/inbox"]
        company_uri = actor_id(w.state.settings.base_url, w.company.username)
        announces = await w.state.storage.deliveries.for_activity(
            f"{company_uri}/announces/{stored.id}-{stored.publication_epoch}")
        assert [d.inbox_url for d in announces] == ["https://partner.example/users/partner/inbox"]
        assert await publication_actors(w, stored.id) == [f"policy:{policy_id} for user:{stu.id}"]

        quiet = await post(w, token, "Just for colleagues", "unlisted")
        private = await post(w, token, "Team only", "private")
        assert quiet["publication"]["state"] == private["publication"]["state"] == "internal"  # type: ignore[index]


async def test_a_public_post_addressed_to_a_trusted_department_is_published_and_announced_by_it(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        await w.remote_follower(w.sales, "customer")
        admin = bearer(await w.token("ada"))
        assert (await w.client.put(f"{POLICIES}/auto_publish/{w.sales.id}", headers=admin,
                                   data={"enabled": "true"})).status_code == 200
        token = await w.token("stu")

        addressed = await post(w, token, "Hello @sales, deal signed")
        untrusted = await post(w, token, "Hello @legal, contract attached")

        assert addressed["publication"]["state"] == "published"  # type: ignore[index]
        assert untrusted["publication"]["state"] == "internal"  # type: ignore[index]
        stored = await w.state.storage.statuses.get(int(str(addressed["id"])))
        assert stored is not None
        sales_uri = actor_id(w.state.settings.base_url, "sales")
        announces = await w.state.storage.deliveries.for_activity(
            f"{sales_uri}/announces/{stored.id}-{stored.publication_epoch}")
        assert [d.inbox_url for d in announces] == ["https://partner.example/users/customer/inbox"]


async def test_posts_as_the_company_publish_at_once_unless_an_admin_turns_the_default_off(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        await w.remote_follower(w.company, "partner")
        async with consent(w, "pat") as publisher:
            token = await publisher.token(str(w.company.id))
        pat = w.accounts["pat"].id

        first = await post(w, token, "Annual report is out")
        assert first["publication"]["state"] == "published"  # type: ignore[index]
        stored = await w.state.storage.statuses.get(int(str(first["id"])))
        assert stored is not None
        assert await publication_actors(w, stored.id) == [f"policy:company-default for user:{pat}"]
        assert [d.inbox_url for d in await w.state.storage.deliveries.for_activity(f"{stored.uri}/activity")] == [
            "https://partner.example/users/partner/inbox"]

        admin = bearer(await w.token("ada"))
        listed = (await w.client.get(POLICIES, headers=admin)).json()
        assert [(p["account"]["username"], p["enabled"], p["default"]) for p in listed["auto_publish"]] == [
            (w.company.username, True, True)]
        off = await w.client.put(f"{POLICIES}/auto_publish/{w.company.id}", headers=admin,
                                 data={"enabled": "false", "reason": "quiet period"})
        assert off.status_code == 200 and off.json()["enabled"] is False
        second = await post(w, token, "Draft statement")
        assert second["publication"]["state"] == "internal"  # type: ignore[index]

        back = await w.client.delete(f"{POLICIES}/auto_publish/{w.company.id}", headers=admin)
        assert back.json()["enabled"] is True and back.json()["default"] is True
        changes = (await w.client.get(POLICIES, headers=admin)).json()["changes"]
        ada = w.accounts["ada"].id
        assert [(c["value"], c["actor"]) for c in changes] == [("default", f"user:{ada}"), ("off", f"user:{ada}")]


async def test_only_admins_change_policies(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        target = f"{POLICIES}/auto_publish/{w.accounts['stu'].id}"
        for name in ("pat", "sam", "stu"):
            token = bearer(await w.token(name))
            assert (await w.client.put(target, headers=token, data={"enabled": "true"})).status_code == 403
            assert (await w.client.get(POLICIES, headers=token)).status_code == 403
        no_scope = bearer(await w.token("ada", scopes="read write"))
        assert (await w.client.get(POLICIES, headers=no_scope)).status_code == 403
        assert (await w.client.get(POLICIES)).status_code == 401
        missing = await w.client.put(f"{POLICIES}/auto_publish/999999", headers=bearer(await w.token("ada")),
                                     data={"enabled": "true"})
        assert missing.status_code == 404
