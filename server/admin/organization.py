"""``/admin/organization``: the company account's public face, edited by admins, with a preview of it.

The display name, avatar, header, internal bio (``note``) and public bio
(``public_note``) change through ``OrganisationProfiles``: only admins,
every change in the audit log (``profile.update``), and an ``Update`` of
the actor to its outside followers when what they see changed. The preview
is built from the actor document outsiders fetch, so it shows exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import PayloadTooLarge
from server.admin.gate import FORM_REFUSALS, Admin, field_messages, page, redirect, require_admin
from server.edge.params import Params
from server.services.field_errors import FieldErrors
from server.services.identities import Editor
from server.services.profiles import IMAGE_LIMIT, MAX_DISPLAY_NAME, MAX_NOTE, ProfileUpdate
from server.state import app_state

ORGANIZATION = "/admin/organization"
TEXT_FIELDS = ("display_name", "note", "public_note")


async def show_organization(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    return await organization_page(request, admin)


async def organization_page(request: Request, admin: Admin, *, status: int = 200,
                            errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None) -> Response:
    profiles = app_state(request).services.organisation_profiles
    company = await profiles.company()
    shown = values or {"display_name": company.display_name, "note": company.note or "",
                       "public_note": company.public_note or ""}
    return page(request, "organization.html", status=status, admin=admin, company=company, values=shown,
                errors=errors or {}, outside=profiles.outside_view(company), max_name=MAX_DISPLAY_NAME,
                max_note=MAX_NOTE, configured_name=app_state(request).settings.organization.name)


async def save(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    profiles = app_state(request).services.organisation_profiles
    values = {name: form.get_str(name) or "" for name in TEXT_FIELDS}
    editor = Editor(admin.account, admin.user, admin.label)
    try:
        update = ProfileUpdate(display_name=values["display_name"], note=values["note"],
                               public_note=values["public_note"], avatar=await _upload(form, "avatar"),
                               header=await _upload(form, "header"))
        company = await profiles.company()
        await profiles.update(company, update, editor)
        for kind in ("avatar", "header"):
            if form.get_str(f"remove_{kind}") == "1":
                await profiles.clear_image(await profiles.company(), kind, editor)
    except (*FORM_REFUSALS, PayloadTooLarge) as refused:
        return await organization_page(request, admin, status=refused.status_code, errors=field_messages(refused),
                                       values=values)
    finally:
        await form.aclose()
    return redirect(ORGANIZATION, "profile_saved")


async def _upload(form: Params, name: str) -> bytes | None:
    upload = form.get_file(name)
    if upload is None or not upload.filename:
        return None
    data = await upload.read(IMAGE_LIMIT + 1)
    if not data:
        return None
    if len(data) > IMAGE_LIMIT:
        raise FieldErrors({name: f"The {name} file must be smaller than 2 MB."})
    return data
