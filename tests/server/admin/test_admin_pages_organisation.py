"""Departments created, renamed and described from the page; the company's public face, with its preview.

Given an admin signed in; when they create a department, rename it and
describe it, or edit the company's name, bios, avatar and header; then the
accounts change through the one profile writer (admins only, audited), an
``Update`` is queued for outside followers when what they see changed, the
preview shows exactly the actor document outsiders get, and a refused form
comes back with the typed input and the message beside the field.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from server.signin.sessions import CSRF_FIELD
from storage.models import Account, FollowState, RemoteProfile
from tests.server.admin.pages import Site, site
from tests.server.helpers import app_for, serving, settings_for

pytestmark = pytest.mark.anyio


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def outside_follower(s: Site, of: Account, name: str = "partner") -> None:
    uri = f"https://partner.example/users/{name}"
    follower = await s.state.storage.accounts.upsert_remote(RemoteProfile(
        uri=uri, username=name, domain="partner.example", actor_type="Person", inbox_url=f"{uri}/inbox"))
    await s.state.storage.follows.follow(follower.id, of.id, FollowState.ACCEPTED)


async def pending_to_partner(s: Site) -> int:
    counts = {c.host: c.pending for c in await s.state.storage.deliveries.counts_by_host()}
    return counts.get("partner.example", 0)


async def test_an_admin_creates_a_department_then_renames_and_describes_it(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        created = await s.submit("/admin/departments", username="research", display_name="Research",
                                 note="The lab upstairs", public_note="We find things out")
        research = await s.account("research")
        await outside_follower(s, research)
        renamed = await s.submit(f"/admin/departments/{research.id}/profile", display_name="Research & Design",
                                 note="The lab upstairs, now with designers", public_note="We find things out")
        queued_after_rename = await pending_to_partner(s)
        internal_only = await s.submit(f"/admin/departments/{research.id}/profile", display_name="Research & Design",
                                       note="Only staff read this", public_note="We find things out")
        listed = await s.client.get("/admin/departments")

        assert created.status_code == renamed.status_code == internal_only.status_code == 303
        changed = await s.account("research")
        assert changed.username == "research"  # the handle outside never changes
        assert changed.display_name == "Research & Design"
        assert changed.note == "Only staff read this"
        assert changed.public_note == "We find things out"
        assert queued_after_rename == 1
        assert await pending_to_partner(s) == 1  # the internal description stays inside: no Update for it
        assert f'id="department-{research.id}"' in listed.text
        assert '<a class="who-link" href="/@research">@research</a>' in listed.text
        actions = [a.action for a in await s.state.storage.admin.actions(target_id=str(research.id))]
        assert actions == ["profile.update", "profile.update", "profile.update", "department.create"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"username": ""}, "username", "A username is required."),
    ({"username": "r&d"}, "username", "use 1 to 30 letters, digits or underscores"),
    ({"username": "company"}, "username", "is taken"),
    ({"display_name": " "}, "display_name", "A display name is required."),
    ({"display_name": "x" * 31}, "display_name", "too long"),
])
async def test_a_refused_department_comes_back_with_the_message_beside_the_field(
    tmp_path: Path, fields: dict[str, str], field: str, message: str,
) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")

        answer = await s.submit("/admin/departments", **{"username": "research", "display_name": "Research",
                                                         "public_note": "Typed and kept", **fields})

        assert answer.status_code == 422
        error = re.search(rf'<p class="field-error" id="new-{field}-error">([^<]*)</p>', answer.text)
        assert error is not None, answer.text
        assert message in error.group(1)
        assert re.search(rf'id="new-{field}"[^>]*aria-invalid="true"', answer.text)
        assert "Typed and kept" in answer.text
        assert await s.state.storage.accounts.get_local("research") is None


async def test_an_empty_name_on_rename_is_refused_beside_the_field_and_changes_nothing(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        sales = await s.department("sales")
        await s.sign_in("ada")

        answer = await s.submit(f"/admin/departments/{sales.id}/profile", display_name="", note="kept note",
                                public_note="")

        assert answer.status_code == 422
        assert f'id="d{sales.id}-display_name-error"' in answer.text
        assert "kept note" in answer.text
        assert (await s.account("sales")).display_name == "Sales"


async def test_only_admins_create_or_rename_departments_and_publishers_keep_their_members(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pat")
        await s.employee("sam")
        sales = await s.department("sales", "pat")
        await s.sign_in("pat")

        page = await s.client.get("/admin/departments")
        create = await s.submit("/admin/departments", username="ops", display_name="Ops")
        rename = await s.submit(f"/admin/departments/{sales.id}/profile", display_name="Sold")
        add = await s.submit(f"/admin/departments/{sales.id}/members", username="sam", role="member")
        unknown = await s.submit(f"/admin/departments/{sales.id}/members", username="nobody", role="member")

        assert page.status_code == 200
        assert 'id="new-department"' not in page.text
        assert create.status_code == rename.status_code == 403
        assert add.status_code == 303
        assert unknown.status_code == 422
        assert f'id="d{sales.id}-member-error"' in unknown.text
        assert "No employee @nobody." in unknown.text
        assert (await s.account("sales")).display_name == "Sales"
        assert await s.state.storage.accounts.get_local("ops") is None


async def test_the_company_takes_the_configured_name_when_it_is_first_created(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_ORGANIZATION_NAME="Acme Rockets"))
    async with serving(app):
        company = await app.state.insideout.services.organisation_profiles.company()

    assert company.display_name == "Acme Rockets"


async def test_an_admin_edits_the_company_and_sees_what_outsiders_will_see(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        company = await s.state.services.organisation_profiles.company()
        await outside_follower(s, company)
        await s.sign_in("ada")
        token = await s.csrf()

        saved = await s.client.post("/admin/organization", data={
            CSRF_FIELD: token, "display_name": "Acme Rockets", "note": "Staff: the canteen opens at 8",
            "public_note": "We build rockets.\n\nSafely."}, files={"avatar": ("a.png", png(), "image/png")})
        page = await s.client.get("/admin/organization")
        document = await s.client.get("/users/company", headers={"Accept": "application/activity+json"})

        assert saved.status_code == 303
        changed = await s.state.services.organisation_profiles.company()
        assert changed.display_name == "Acme Rockets"
        assert changed.avatar_path
        preview = re.search(r'<div class="preview" id="outside-preview">(.*?)</section>', page.text, re.S)
        assert preview is not None
        assert '<p class="name" id="outside-name">Acme Rockets</p>' in preview.group(1)
        assert "<p>We build rockets.</p><p>Safely.</p>" in preview.group(1)
        assert "canteen" not in preview.group(1)  # the staff bio never shows outside
        actor = document.json()
        assert actor["name"] == "Acme Rockets"
        assert actor["summary"] == "<p>We build rockets.</p><p>Safely.</p>"
        assert actor["icon"]["url"] in preview.group(1)
        assert await pending_to_partner(s) == 1
        (logged,) = await s.state.storage.admin.actions(action="profile.update")
        assert logged.detail["display_name.after"] == "Acme Rockets"
        assert logged.actor == f"user:{(await s.account('ada')).id}"


async def test_a_refused_company_edit_keeps_the_typed_text_beside_the_field(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("ada", role="admin")
        await s.sign_in("ada")
        token = await s.csrf()

        empty = await s.client.post("/admin/organization", data={
            CSRF_FIELD: token, "display_name": "", "public_note": "typed public bio", "note": ""})
        long = await s.client.post("/admin/organization", data={
            CSRF_FIELD: token, "display_name": "Acme", "public_note": "x" * 501, "note": ""})
        not_an_image = await s.client.post("/admin/organization", data={
            CSRF_FIELD: token, "display_name": "Acme", "public_note": "", "note": ""},
            files={"header": ("h.png", b"not an image", "image/png")})

        assert empty.status_code == 422
        assert 'id="f-display_name-error">A display name is required.' in empty.text
        assert "typed public bio" in empty.text
        assert long.status_code == 422
        assert 'id="f-public_note-error"' in long.text
        assert not_an_image.status_code == 422
        assert 'id="f-header-error"' in not_an_image.text
        company = await s.state.services.organisation_profiles.company()
        assert company.display_name != "Acme"


async def test_the_company_page_is_for_admins_only(tmp_path: Path) -> None:
    async with site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        await s.sign_in("pia")

        shown = await s.client.get("/admin/organization")
        saved = await s.submit("/admin/organization", display_name="Pia Corp")

        assert shown.status_code == saved.status_code == 403
        company = await s.state.services.organisation_profiles.company()
        assert company.display_name != "Pia Corp"
        assert isinstance(s.client, httpx.AsyncClient)
