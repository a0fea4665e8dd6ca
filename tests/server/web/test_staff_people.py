"""The people directory, the department directory, a department's members, and joining or leaving one.

Given employees (one disabled) and departments, one of them open to
joining by the settings (``[organization] open_departments``); when a
signed-in employee browses and searches, or joins and leaves; then the
directory lists exactly the enabled colleagues, the departments their
descriptions and member counts, and only an open department takes a
member or lets one go, each change in the admin action log. A closed
department, a publisher leaving, someone who is no department, and a
stale form change nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.signin.sessions import CSRF_FIELD
from storage.models import MemberRole, ProfileChanges
from tests.server.web.staff_site import StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio
OPEN = {"INSIDEOUT_ORGANIZATION_OPEN_DEPARTMENTS": "social"}


def listed(html: str) -> list[str]:
    return re.findall(r'<li id="person-\d+" class="person">\s*<img[^>]*>\s*<a class="who" href="/@([^"]+)"', html)


async def member_usernames(s: StaffSite, slug: str) -> list[str]:
    department = await s.account(slug)
    members = await s.state.storage.departments.members(department.id)
    accounts = await s.state.storage.accounts.get_many([m.account_id for m in members])
    return sorted(accounts[m.account_id].username for m in members)


async def test_the_people_directory_lists_enabled_colleagues_and_searches_by_name(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        for username in ("zoe", "ann", "bob", "gone"):
            await s.employee(username)
        await s.client.patch("/api/v1/accounts/update_credentials", headers=await s.employee("rob"),
                             data={"display_name": "Robert Smith"})
        await s.state.storage.accounts.set_disabled((await s.account("gone")).id, True)
        await s.department("design")
        await s.sign_in("ann")

        everyone = await s.client.get("/people")
        searched = await s.client.get("/people?q=smith")
        nobody = await s.client.get("/people?q=quentin")

        assert listed(everyone.text) == ["ann", "bob", "rob", "zoe"]
        assert listed(searched.text) == ["rob"]
        assert 'value="smith"' in searched.text
        assert "Nobody here has a name starting with “quentin”." in nobody.text


async def test_the_people_directory_pages_with_load_more(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        for number in range(42):
            await s.employee(f"p{number:02d}")
        await s.sign_in("p00")

        first = await s.client.get("/people")
        more = re.search(r'<a href="([^"]+)" rel="next" data-more>', first.text)
        assert more is not None
        second = await s.client.get(more.group(1).replace("&amp;", "&"))

        assert len(listed(first.text)) == 40
        assert listed(first.text) + listed(second.text) == [f"p{n:02d}" for n in range(42)]
        assert 'rel="next"' not in second.text


async def test_a_too_long_search_is_named_beside_the_field(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.client.get("/people?q=" + "a" * 101)

        assert answer.status_code == 400
        assert field_error(answer.text, "q") == "Search for at most 100 characters of a name."
        assert 'aria-describedby="q-error"' in answer.text
        assert 'value="' + "a" * 101 + '"' in answer.text


async def test_departments_list_their_description_and_member_count(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("ann")
        await s.employee("bob")
        design = await s.department("design", "ann", "bob")
        await s.department("social")
        await s.state.storage.accounts.update_profile(design.id, ProfileChanges(note="Makes things look right"))
        await s.sign_in("ann")

        answer = await s.client.get("/departments")

        assert answer.status_code == 200
        assert "Makes things look right" in answer.text
        assert 'href="/departments/design/members">2 members</a>' in answer.text
        assert 'href="/departments/social/members">0 members</a>' in answer.text
        assert "Open: staff join it themselves" in answer.text
        assert answer.text.index("department-design") < answer.text.index("department-social")


async def test_joining_and_leaving_an_open_department_is_audited(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("ann")
        social = await s.department("social")
        await s.sign_in("ann")

        timeline = await s.client.get("/departments/social")
        joined = await s.submit("/departments/social/join", back="/departments/social")
        members = await s.client.get("/departments/social/members")
        left = await s.submit("/departments/social/leave")

        log = await s.state.storage.admin.actions(target_id=str(social.id))
        assert 'href="/departments/social/members">Members</a>' in timeline.text
        assert ">Join Social</button>" in timeline.text
        assert joined.headers["location"] == "/departments/social?notice=joined"
        assert ">Leave Social</button>" in members.text
        assert 'href="/@ann"' in members.text
        assert left.headers["location"] == "/departments/social/members?notice=left"
        assert await member_usernames(s, "social") == []
        assert [entry.action for entry in log] == ["department.member_left", "department.member_joined"]


async def test_a_closed_department_takes_no_one_and_lets_no_one_go(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("ann")
        await s.employee("bob")
        await s.department("design", "bob")
        await s.sign_in("ann")

        page = await s.client.get("/departments/design/members")
        joined = await s.submit("/departments/design/join")
        s.sign_out_locally()
        await s.sign_in("bob")
        left = await s.submit("/departments/design/leave")

        assert "Its publishers and admins choose its members." in page.text
        assert "/departments/design/join" not in page.text
        assert joined.status_code == 403
        assert "chosen by its publishers and admins" in joined.text
        assert left.status_code == 403
        assert await member_usernames(s, "design") == ["bob"]


async def test_a_publisher_does_not_leave_an_open_department_here(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("pia")
        social = await s.department("social")
        await s.state.storage.departments.set_member(social.id, (await s.account("pia")).id, MemberRole.PUBLISHER)
        await s.sign_in("pia")

        page = await s.client.get("/departments/social/members")
        joined_again = await s.submit("/departments/social/join")
        left = await s.submit("/departments/social/leave")

        members = await s.state.storage.departments.members(social.id)
        assert "As a publisher you leave through an admin" in page.text
        assert joined_again.status_code == 303
        assert left.status_code == 403
        assert "ask an admin to change your role" in left.text
        assert [m.role for m in members] == [MemberRole.PUBLISHER]


async def test_no_department_by_that_name_is_the_same_answer_for_a_person(tmp_path: Path) -> None:
    async with staff_site(tmp_path, INSIDEOUT_ORGANIZATION_OPEN_DEPARTMENTS="*") as s:
        await s.employee("ann")
        await s.employee("bob")
        await s.sign_in("ann")

        missing = await s.client.get("/departments/nothing/members")
        person = await s.client.get("/departments/bob/members")
        join_person = await s.submit("/departments/bob/join")
        leave_missing = await s.submit("/departments/nothing/leave")

        for answer in (missing, person, join_person, leave_missing):
            assert answer.status_code == 404
            assert "There is no department by that name." in answer.text


async def test_leaving_a_department_one_is_not_in_is_refused(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("ann")
        await s.department("social")
        await s.sign_in("ann")

        answer = await s.submit("/departments/social/leave")

        assert answer.status_code == 404
        assert "You are not a member of this department." in answer.text


async def test_a_stale_join_form_changes_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path, **OPEN) as s:
        await s.employee("ann")
        await s.department("social")
        await s.sign_in("ann")

        answer = await s.client.post("/departments/social/join", data={CSRF_FIELD: "stale"})

        assert answer.status_code == 403
        assert await member_usernames(s, "social") == []
