"""Departments: admins create them and edit their names and descriptions; members are managed as before.

A department's username is its handle outside (``@sales@our.host``): like
a Mastodon username, it is fixed once the department exists. Its display
name, internal description (``note``) and public description
(``public_note``, the only one outsiders see) change through
``OrganisationProfiles`` (admins only, audited, an ``Update`` to outside
followers). Members go through ``DepartmentAdmin``, so a department's
publishers manage only their own departments' members, as in the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput
from server.admin.gate import FORM_REFUSALS, Admin, field_messages, page, redirect, require_admin
from server.edge.params import Params, path_id
from server.services.department_admin import DepartmentAdmin, DepartmentChanges, Manager
from server.services.identities import Editor
from server.services.profiles import ProfileUpdate
from server.state import app_state
from storage.models import MemberRole

DEPARTMENTS = "/admin/departments"
NEW_FIELDS = ("username", "display_name", "note", "public_note")
EDIT_FIELDS = ("display_name", "note", "public_note")


async def _manager(request: Request, admin: Admin) -> tuple[DepartmentAdmin, Manager]:
    departments = app_state(request).services.department_admin
    return departments, await departments.manager(admin.account, admin.user, admin.label)


async def show_departments(request: Request, admin: Admin) -> Response:
    return await departments_page(request, admin)


async def departments_page(request: Request, admin: Admin, *, status: int = 200,
                           errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None,
                           editing: int | None = None) -> Response:
    """``errors`` and ``values``: the new department's form; ``editing``: the department whose forms they are."""
    departments, manager = await _manager(request, admin)
    listed = [(d, await departments.members(d)) for d in await departments.listed(manager)]
    new_errors, new_values = (errors or {}, values or {}) if editing is None else ({}, {})
    row_errors, row_values = ({}, {}) if editing is None else (errors or {}, values or {})
    return page(request, "departments.html", status=status, admin=admin, departments=listed,
                member_roles=[r.value for r in MemberRole], manages_all=manager.is_admin, errors=new_errors,
                values=new_values, editing=editing, row_errors=row_errors, row_values=row_values)


async def create(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    values = {name: form.get_str(name) or "" for name in NEW_FIELDS}
    departments, manager = await _manager(request, admin)
    changes = DepartmentChanges(note=values["note"] or None, public_note=values["public_note"] or None)
    try:
        await departments.create(manager, values["username"], values["display_name"], changes)
    except FORM_REFUSALS as refused:
        return await departments_page(request, admin, status=refused.status_code,
                                      errors=field_messages(refused, "new-form"), values=values)
    return redirect(DEPARTMENTS, "department_created")


async def edit(request: Request, admin: Admin, form: Params) -> Response:
    """The display name and both descriptions; the username stays."""
    require_admin(admin)
    services = app_state(request).services
    department_id = path_id(request)
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, department_id)
    values = {name: form.get_str(name) or "" for name in EDIT_FIELDS}
    update = ProfileUpdate(display_name=values["display_name"], note=values["note"], public_note=values["public_note"])
    try:
        await services.organisation_profiles.update(department, update, Editor(admin.account, admin.user, admin.label))
    except FORM_REFUSALS as refused:
        return await departments_page(request, admin, status=refused.status_code, errors=field_messages(refused),
                                      values=values, editing=department_id)
    return redirect(f"{DEPARTMENTS}#department-{department_id}", "profile_saved")


def _member_role(form: Params) -> MemberRole:
    try:
        return MemberRole(form.get_str("role") or "member")
    except ValueError:
        raise InvalidInput("The role must be member or publisher.") from None


async def add_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    username = (form.get_str("username") or "").strip().lstrip("@")
    key = "member"
    try:
        account = await departments.local_account(username) if username else None
        if account is None:
            raise InvalidInput(f"No employee @{username}." if username else "Name the employee to add.")
        await departments.set_member(manager, department, account.id, _member_role(form))
    except FORM_REFUSALS as refused:
        return await departments_page(request, admin, status=refused.status_code, errors={key: refused.public_message},
                                      values={key: form.get_str("username") or ""}, editing=department.id)
    return redirect(DEPARTMENTS, "saved")


async def change_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    await departments.change_role(manager, department, path_id(request, "account_id"), _member_role(form))
    return redirect(DEPARTMENTS, "saved")


async def remove_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    await departments.remove_member(manager, department, path_id(request, "account_id"))
    return redirect(DEPARTMENTS, "saved")
