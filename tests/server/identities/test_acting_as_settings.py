"""An acting-as token speaks as the organisation, but only an admin changes what the organisation is.

Given a department publisher acting as their department and a publisher
acting as the company; when either changes the identity's profile or
settings (``update_credentials``, removing the avatar or header, blocking,
deciding who follows it), then they hear 403 in Mastodon's error shape and
the public face is unchanged, the ActivityPub actor outsiders fetch
included. When an admin makes the same change, through an acting-as token
or the admin API, it is made and written to the admin action log with the
human, the identity, and each field's before and after.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from server.services.identities import SETTINGS_MESSAGE
from storage.models import Account, FollowState
from tests.server.identities.world import World, bearer, consent, world

pytestmark = pytest.mark.anyio
ACTIVITY_JSON = {"Accept": "application/activity+json"}
ACTIONS = "/api/v1/admin/insideout/actions"
REFUSED = {"error": SETTINGS_MESSAGE}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def acting_token(w: World, login: str, identity: Account, scopes: str = "read write") -> str:
    async with consent(w, login, scopes) as page:
        return await page.token(str(identity.id))


async def public_face(w: World, identity: Account) -> tuple[Any, Any, Any]:
    """What outsiders and staff see of it: the actor document, the Mastodon account, the instance contact."""
    actor = await w.client.get(f"/users/{identity.username}", headers=ACTIVITY_JSON)
    assert actor.status_code == 200, actor.text
    staff = await w.client.get(f"/api/v1/accounts/{identity.id}", headers=bearer(await w.token("stu")))
    instance = await w.client.get("/api/v2/instance")
    return actor.json(), staff.json(), instance.json()["contact"]["account"]


async def profile_actions(w: World, kind: str) -> list[dict[str, Any]]:
    answer = await w.client.get(ACTIONS, headers=bearer(await w.token("ada")),
                                params={"target_type": kind, "action": "profile.update"})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def rewrite(w: World, token: str) -> httpx.Response:
    """Everything update_credentials can change, the avatar upload included."""
    return await w.client.patch("/api/v1/accounts/update_credentials", headers=bearer(token), data={
        "display_name": "Pwned", "note": "internal words", "public_note": "Visit evil.example",
        "locked": "true", "discoverable": "false", "bot": "true",
        "fields_attributes[0][name]": "Contact", "fields_attributes[0][value]": "evil@example.com",
        "source[privacy]": "private",
    }, files={"avatar": ("a.png", png(), "image/png")})


async def refused_everywhere(w: World, token: str, identity: Account) -> None:
    before = await public_face(w, identity)

    answer = await rewrite(w, token)
    assert answer.status_code == 403
    assert answer.json() == REFUSED
    for kind in ("avatar", "header"):
        cleared = await w.client.delete(f"/api/v1/profile/{kind}", headers=bearer(token))
        assert cleared.status_code == 403
        assert cleared.json() == REFUSED

    assert await public_face(w, identity) == before
    assert await profile_actions(w, identity.kind.value) == []


async def test_a_department_publisher_acting_as_the_department_cannot_rewrite_its_profile(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        # Given sam, who publishes for sales and is refused the admin API's edit of it
        own = bearer(await w.token("sam"))
        renamed = await w.client.patch(f"/api/v1/admin/insideout/departments/{w.sales.id}", headers=own,
                                       data={"display_name": "Pwned"})
        assert renamed.status_code == 403
        # When sam acts as sales, then the same change is refused there too, and nothing changed
        token = await acting_token(w, "sam", w.sales)
        await refused_everywhere(w, token, w.sales)
        # While speaking as sales still works
        posted = await w.client.post("/api/v1/statuses", headers=bearer(token), data={"status": "Quarter closed"})
        assert posted.status_code == 200, posted.text


async def test_a_publisher_acting_as_the_company_cannot_rewrite_the_company_nor_the_instance_contact(
    tmp_path: Path,
) -> None:
    async with world(tmp_path) as w:
        token = await acting_token(w, "pat", w.company)
        await refused_everywhere(w, token, w.company)


async def test_an_admin_acting_as_the_company_changes_it_and_the_change_is_audited(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        # Given ada, an admin, acting as the company
        token = await acting_token(w, "ada", w.company)
        old_name = w.company.display_name
        # When she renames it and gives it a public bio
        answer = await w.client.patch("/api/v1/accounts/update_credentials", headers=bearer(token),
                                      data={"display_name": "Example Corp", "public_note": "We make examples"})
        # Then outsiders see the change at once
        assert answer.status_code == 200, answer.text
        actor, staff, contact = await public_face(w, w.company)
        assert actor["name"] == "Example Corp"
        assert staff["display_name"] == "Example Corp"
        assert contact["display_name"] == "Example Corp"
        # And the admin action log names her, the identity, and what changed from what
        (entry,) = await profile_actions(w, "company")
        assert entry["actor"] == f"user:{w.accounts['ada'].id} as company:{w.company.id}"
        assert entry["target_id"] == str(w.company.id)
        assert entry["detail"] == {"display_name.before": old_name, "display_name.after": "Example Corp",
                                   "public_note.before": "", "public_note.after": "We make examples"}
        # When she removes the header, which was never set, nothing changed and nothing is logged
        assert (await w.client.delete("/api/v1/profile/header", headers=bearer(token))).status_code == 200
        assert len(await profile_actions(w, "company")) == 1


async def test_the_admin_apis_department_edit_is_audited_by_the_same_rule(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        admin = bearer(await w.token("ada"))
        answer = await w.client.patch(f"/api/v1/admin/insideout/departments/{w.sales.id}", headers=admin,
                                      data={"display_name": "Sales & Co", "timeline": "members"})
        assert answer.status_code == 200, answer.text
        (entry,) = await profile_actions(w, "department")
        assert entry["actor"] == f"user:{w.accounts['ada'].id}"
        assert entry["target_id"] == str(w.sales.id)
        assert entry["detail"] == {"display_name.before": "Sales", "display_name.after": "Sales & Co"}
        actor = await w.client.get("/users/sales", headers=ACTIVITY_JSON)
        assert actor.json()["name"] == "Sales & Co"


async def test_who_may_follow_or_reach_an_organisation_is_an_admins_decision(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        # Given a partner following the company and another asking to
        partner = await w.remote_follower(w.company, "partner")
        asking = await w.remote_follower(w.company, "asking")
        await w.state.storage.follows.follow(asking.id, w.company.id, FollowState.PENDING)
        pat = bearer(await acting_token(w, "pat", w.company))
        # When pat, acting as the company, blocks, removes a follower or decides a request, then he is refused
        for path in (f"/api/v1/accounts/{partner.id}/block", f"/api/v1/accounts/{partner.id}/remove_from_followers",
                     f"/api/v1/follow_requests/{asking.id}/authorize", f"/api/v1/follow_requests/{asking.id}/reject"):
            answer = await w.client.post(path, headers=pat)
            assert answer.status_code == 403, path
            assert answer.json() == REFUSED
        assert await w.state.storage.follows.local_follower_ids(w.company.id) == []  # only outside ones, unchanged
        assert (await w.state.storage.follows.get(partner.id, w.company.id)) is not None
        # While muting is the identity's own reading, and stays allowed
        assert (await w.client.post(f"/api/v1/accounts/{partner.id}/mute", headers=pat)).status_code == 200
        # When ada, an admin acting as the company, blocks, then it is done and logged with her name
        ada = bearer(await acting_token(w, "ada", w.company))
        blocked = await w.client.post(f"/api/v1/accounts/{partner.id}/block", headers=ada)
        assert blocked.status_code == 200, blocked.text
        assert blocked.json()["blocking"] is True
        logged = await w.client.get(ACTIONS, headers=bearer(await w.token("ada")),
                                    params={"action": "relationship.block"})
        (entry,) = logged.json()
        assert entry["actor"] == f"user:{w.accounts['ada'].id} as company:{w.company.id}"
        assert entry["detail"]["account_id"] == str(partner.id)
