"""Profiles in the web app: departments, where the two people stand, and follow, mute and block buttons.

Given employees, a department and an outside account; when one opens a
profile and presses a button; then the relationship the API reports
changes exactly as ``/api/v1/accounts/:id/<action>`` would change it, the
page says where the two stand, and an outside account is marked as such.
A missing person, oneself, or a stale form changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.signin.sessions import CSRF_FIELD
from storage.models import FollowState, MemberRole, RemoteProfile
from tests.server.web.staff_site import StaffSite, staff_site

pytestmark = pytest.mark.anyio


async def relationship(s: StaffSite, headers: dict[str, str], who: str | int) -> dict[str, Any]:
    account_id = who if isinstance(who, int) else (await s.account(who)).id
    answer = await s.client.get(f"/api/v1/accounts/relationships?id[]={account_id}", headers=headers)
    result: dict[str, Any] = answer.json()[0]
    return result


async def test_a_colleagues_profile_shows_departments_and_following_changes_the_relationship(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.employee("bob")
        design = await s.department("design")
        await s.state.storage.departments.set_member(design.id, (await s.account("bob")).id, MemberRole.MEMBER)
        await s.sign_in("ann")

        before = await s.client.get("/@bob")
        followed = await s.submit("/@bob/follow", back="/@bob")
        after = await s.client.get("/@bob?notice=followed")

        assert before.status_code == 200
        assert 'href="/departments/design">Design</a>' in before.text
        assert ">Follow</button>" in before.text
        assert followed.status_code == 303
        assert followed.headers["location"] == "/@bob?notice=followed"
        assert (await relationship(s, ann, "bob"))["following"] is True
        assert "You follow them" in after.text
        assert ">Unfollow</button>" in after.text
        assert "You follow them now." in after.text


async def test_unfollow_mute_and_block_round_trip_through_the_service(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.employee("bob")
        await s.sign_in("ann")
        await s.submit("/@bob/follow")
        await s.submit("/@bob/unfollow")
        assert (await relationship(s, ann, "bob"))["following"] is False

        await s.submit("/@bob/mute")
        muted = await s.client.get("/@bob")
        assert (await relationship(s, ann, "bob"))["muting"] is True
        assert "Muted by you" in muted.text
        assert ">Unmute</button>" in muted.text
        await s.submit("/@bob/unmute")
        assert (await relationship(s, ann, "bob"))["muting"] is False

        await s.submit("/@bob/follow")
        await s.submit("/@bob/block")
        blocked = await s.client.get("/@bob")
        facts = await relationship(s, ann, "bob")
        assert facts["blocking"] is True
        assert facts["following"] is False
        assert ">Unblock</button>" in blocked.text
        assert ">Follow</button>" not in blocked.text
        await s.submit("/@bob/unblock")
        assert (await relationship(s, ann, "bob"))["blocking"] is False


async def test_a_locked_colleague_decides_the_follow_request_from_the_profile(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        bob = await s.employee("bob")
        await s.client.patch("/api/v1/accounts/update_credentials", headers=bob, data={"locked": "true"})
        await s.sign_in("ann")
        asked = await s.submit("/@bob/follow")
        assert asked.headers["location"] == "/@bob?notice=requested"
        assert "You asked to follow them" in (await s.client.get("/@bob")).text
        s.sign_out_locally()
        await s.sign_in("bob")

        notifications = await s.client.get("/notifications")
        profile = await s.client.get("/@ann")
        accepted = await s.submit("/@ann/authorize")

        assert "asked to follow you" in notifications.text
        assert "Asks to follow you" in profile.text
        assert ">Accept follow request</button>" in profile.text
        assert accepted.headers["location"] == "/@ann?notice=authorized"
        assert (await relationship(s, ann, "bob"))["following"] is True


async def test_an_outside_account_says_where_it_is_from(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        uri = "https://partner.example/users/pat"
        pat = await s.state.storage.accounts.upsert_remote(RemoteProfile(
            uri=uri, username="pat", domain="partner.example", actor_type="Person", inbox_url=f"{uri}/inbox"))
        await s.state.storage.follows.follow(pat.id, (await s.account("ann")).id, FollowState.ACCEPTED)
        await s.sign_in("ann")

        answer = await s.client.get("/@pat@partner.example")

        assert answer.status_code == 200
        assert "From outside (partner.example)" in answer.text
        assert "Follows you" in answer.text
        assert "makes your public profile (name, avatar and public bio) visible outside" in answer.text
        assert (await relationship(s, ann, pat.id))["followed_by"] is True


async def test_a_missing_person_is_not_found_and_oneself_is_refused(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        missing = await s.submit("/@nobody/follow")
        remote_missing = await s.submit("/@nobody@partner.example/block")
        self_follow = await s.submit("/@ann/follow")

        assert missing.status_code == 404
        assert "There is nobody here by that name." in missing.text
        assert remote_missing.status_code == 404
        assert "There is nobody here by that name." in remote_missing.text
        assert self_follow.status_code == 403
        assert "You cannot do this to your own account" in self_follow.text
        assert (await relationship(s, ann, "ann"))["following"] is False


async def test_a_stale_form_changes_no_relationship(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.employee("bob")
        await s.sign_in("ann")

        answer = await s.client.post("/@bob/follow", data={CSRF_FIELD: "stale"})

        assert answer.status_code == 403
        assert (await relationship(s, ann, "bob"))["following"] is False


async def test_a_department_profile_links_its_timeline_and_members(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("ann")
        await s.department("design")
        await s.sign_in("ann")

        answer = await s.client.get("/@design")

        assert 'href="/departments/design/members">Members</a>' in answer.text
        assert 'href="/departments/design">Department timeline</a>' in answer.text
