"""``/settings/profile`` and ``/people/ACCT/public_bio``: one's profile, and what outsiders see of it.

Given an employee; when they edit their names, bios, fields and images, or
preview their public bio; then the API shows exactly what was saved (and
a preview saves nothing), the preview is the public bio as the public page
renders it, a refused field comes back beside the field with the input
kept and nothing saved, and a change outsiders see sends an ``Update`` to
outside followers once the employee is exposed. Publishers and admins
write someone else's public bio, audited; anyone else finds no such page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from activitypub.actors import summary_html
from server.signin.sessions import CSRF_FIELD
from storage.models import Account, FollowState, ProfileChanges, RemoteProfile
from tests.server.web.staff_site import StaffSite, field_error, staff_site

pytestmark = pytest.mark.anyio


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


async def me(s: StaffSite, headers: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = (await s.client.get("/api/v1/accounts/verify_credentials", headers=headers)).json()
    return result


async def outside_follower(s: StaffSite, of: Account) -> None:
    uri = "https://partner.example/users/pat"
    follower = await s.state.storage.accounts.upsert_remote(RemoteProfile(
        uri=uri, username="pat", domain="partner.example", actor_type="Person", inbox_url=f"{uri}/inbox"))
    await s.state.storage.follows.follow(follower.id, of.id, FollowState.ACCEPTED)


async def pending_to_partner(s: StaffSite) -> int:
    counts = {c.host: c.pending for c in await s.state.storage.deliveries.counts_by_host()}
    return counts.get("partner.example", 0)


def preview_bio(html: str) -> str:
    match = re.search(r'<div class="note" data-outside-bio>(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


FORM = {"display_name": "Ann Lee", "note": "Inside only: I run the numbers", "public_note": "Analyst <at> ACME",
        "field_name_0": "Room", "field_value_0": "4.12", "field_name_1": "", "field_value_1": ""}


@pytest.mark.usefixtures("on_each_media_store")
async def test_saving_the_profile_is_what_the_api_shows(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.client.post("/settings/profile", data={CSRF_FIELD: await s.csrf(), **FORM, "intent": "save"},
                                     files={"avatar": ("me.png", png(), "image/png")})

        saved = await me(s, ann)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/profile?notice=profile_saved"
        assert saved["display_name"] == "Ann Lee"
        assert saved["source"]["note"] == "Inside only: I run the numbers"
        assert saved["source"]["public_note"] == "Analyst <at> ACME"
        assert saved["source"]["fields"] == [{"name": "Room", "value": "4.12", "verified_at": None}]
        assert not saved["avatar"].endswith("missing.png")
        page = await s.client.get("/settings/profile?notice=profile_saved")
        assert "Your profile is saved." in page.text
        assert 'value="Ann Lee"' in page.text
        assert preview_bio(page.text) == summary_html("Analyst <at> ACME")


async def test_preview_renders_the_public_bio_as_outsiders_get_it_and_saves_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")
        typed = "Hello <b>world</b>\n\nSecond & last"

        answer = await s.submit("/settings/profile", **{**FORM, "public_note": typed, "intent": "preview"})

        saved = await me(s, ann)
        assert answer.status_code == 200
        assert "Preview: what outsiders would see" in answer.text
        assert preview_bio(answer.text) == summary_html(typed)
        assert "&lt;b&gt;world&lt;/b&gt;" in answer.text
        assert "Hello &lt;b&gt;world&lt;/b&gt;\n\nSecond &amp; last</textarea>" in answer.text
        assert saved["source"]["public_note"] == ""
        assert saved["display_name"] == ""


@pytest.mark.parametrize(("field", "value", "message"), [
    ("display_name", "x" * 31, "The display name is too long (at most 30 characters)."),
    ("note", "x" * 501, "The bio is too long (at most 500 characters)."),
    ("public_note", "x" * 501, "The public bio is too long (at most 500 characters)."),
    ("field_value_0", "x" * 256, "A label or value is too long (at most 255 characters)."),
])
async def test_a_refused_field_comes_back_beside_it_and_nothing_is_saved(
    tmp_path: Path, field: str, value: str, message: str,
) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.submit("/settings/profile", **{**FORM, field: value, "intent": "save"})

        shown_field = "field-0" if field == "field_value_0" else field
        saved = await me(s, ann)
        assert answer.status_code == 422
        assert field_error(answer.text, shown_field) == message
        assert f'aria-describedby="{shown_field}-error"' in answer.text
        assert value in answer.text
        if field != "display_name":
            assert 'value="Ann Lee"' in answer.text
        assert saved["display_name"] == ""
        assert saved["source"]["note"] == ""
        assert saved["source"]["fields"] == []


async def test_a_file_that_is_no_image_is_refused_beside_the_avatar(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.client.post("/settings/profile", data={CSRF_FIELD: await s.csrf(), **FORM, "intent": "save"},
                                     files={"avatar": ("me.png", b"not an image at all", "image/png")})

        saved = await me(s, ann)
        assert answer.status_code == 422
        assert (field_error(answer.text, "avatar") or "").startswith("Avatar")
        assert "Choose the image again" in answer.text
        assert saved["display_name"] == ""
        assert saved["avatar"].endswith("missing.png")


async def test_a_stale_form_keeps_the_input_and_saves_nothing(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.client.post("/settings/profile", data={CSRF_FIELD: "stale", **FORM, "intent": "save"})

        assert answer.status_code == 403
        assert "This form has expired" in (field_error(answer.text, "form") or "")
        assert "Inside only: I run the numbers</textarea>" in answer.text
        assert (await me(s, ann))["display_name"] == ""


async def test_a_change_outsiders_see_sends_an_update_and_an_internal_one_does_not(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("ann")
        account = await s.account("ann")
        await s.state.storage.accounts.update_profile(account.id, ProfileChanges(exposed=True))
        await outside_follower(s, account)
        await s.sign_in("ann")

        await s.submit("/settings/profile", **FORM, intent="save")
        after_public = await pending_to_partner(s)
        await s.submit("/settings/profile", **{**FORM, "note": "A new internal bio"}, intent="save")
        after_internal = await pending_to_partner(s)

        assert after_public == 1
        assert after_internal == 1


async def test_a_publisher_writes_a_colleagues_public_bio_audited(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("pia", role="publisher")
        bob = await s.employee("bob")
        await s.sign_in("pia")

        profile = await s.client.get("/@bob")
        form = await s.client.get("/people/bob/public_bio")
        preview = await s.submit("/people/bob/public_bio", public_note="Bob <builds> bridges", intent="preview")
        unsaved = (await me(s, bob))["source"]["public_note"]
        saved = await s.submit("/people/bob/public_bio", public_note="Bob <builds> bridges", intent="save")

        log = await s.state.storage.admin.actions(target_id=str((await s.account("bob")).id))
        assert 'href="/people/bob/public_bio"' in profile.text
        assert form.status_code == 200
        assert preview_bio(preview.text) == summary_html("Bob <builds> bridges")
        assert unsaved == ""
        assert saved.headers["location"] == "/@bob?notice=public_bio_saved"
        assert (await me(s, bob))["source"]["public_note"] == "Bob <builds> bridges"
        assert [entry.action for entry in log] == ["profile.update"]
        assert log[0].actor == f"user:{(await s.account('pia')).id}"
        assert log[0].detail["public_note.after"] == "Bob <builds> bridges"


async def test_a_too_long_public_bio_comes_back_beside_the_field(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("ada", role="admin")
        bob = await s.employee("bob")
        await s.sign_in("ada")

        answer = await s.submit("/people/bob/public_bio", public_note="y" * 501, intent="save")

        assert answer.status_code == 422
        assert field_error(answer.text, "public_note") == "The public bio is too long (at most 500 characters)."
        assert "y" * 501 + "</textarea>" in answer.text
        assert (await me(s, bob))["source"]["public_note"] == ""


async def test_staff_find_no_public_bio_page_of_someone_else_as_for_nobody(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        await s.employee("sam")
        bob = await s.employee("bob")
        await s.department("design")
        await s.sign_in("sam")

        others = await s.client.get("/people/bob/public_bio")
        posted = await s.submit("/people/bob/public_bio", public_note="hacked", intent="save")
        nobody = await s.client.get("/people/nobody/public_bio")
        department = await s.client.get("/people/design/public_bio")
        profile = await s.client.get("/@bob")

        assert others.status_code == 404
        assert posted.status_code == 404
        assert nobody.status_code == 404
        assert department.status_code == 404
        assert "There is nobody here by that name." in others.text
        assert "There is nobody here by that name." in nobody.text
        assert "/people/bob/public_bio" not in profile.text
        assert (await me(s, bob))["source"]["public_note"] == ""


async def test_a_refused_field_row_is_named_by_its_row_on_the_form(tmp_path: Path) -> None:
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        await s.sign_in("ann")

        answer = await s.submit("/settings/profile", **{**FORM, "field_name_0": "", "field_value_0": "",
                                                        "field_name_2": "Desk", "field_value_2": "z" * 256},
                                intent="save")

        assert answer.status_code == 422
        assert field_error(answer.text, "field-2") == "A label or value is too long (at most 255 characters)."
        assert field_error(answer.text, "field-0") is None
        assert (await me(s, ann))["source"]["fields"] == []


async def test_the_api_and_the_page_federate_the_same_change_alike(tmp_path: Path) -> None:
    """``update_credentials`` goes through the one writer too: an exposed employee's new name goes out once."""
    async with staff_site(tmp_path) as s:
        ann = await s.employee("ann")
        account = await s.account("ann")
        await s.state.storage.accounts.update_profile(account.id, ProfileChanges(exposed=True))
        await outside_follower(s, account)

        inside_only = await s.client.patch("/api/v1/accounts/update_credentials", headers=ann,
                                           data={"note": "Only colleagues read this"})
        assert inside_only.status_code == 200 and await pending_to_partner(s) == 0
        renamed = await s.client.patch("/api/v1/accounts/update_credentials", headers=ann,
                                       data={"display_name": "Ann Lee"})
        assert renamed.status_code == 200 and await pending_to_partner(s) == 1
