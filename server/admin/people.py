"""Accounts and roles, exposure (who is visible outside and why), departments and their members.

Accounts and exposure are for admins and go through ``AdminAccounts``
(audited, with the employee's notice); departments go through
``DepartmentAdmin``, so a department's publishers manage only their own
departments' members, as in the JSON API.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput
from server.admin.gate import Admin, page, redirect, require_admin
from server.edge.params import Params, path_id
from server.services.department_admin import DepartmentAdmin, Manager
from server.state import app_state
from storage.admin import AccountQuery
from storage.models import MemberRole, Page, Role

ACCOUNTS_PAGE = Page(limit=200)


async def show_accounts(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    username = request.query_params.get("username") or None
    managed = await app_state(request).services.admin_accounts.find(AccountQuery(local=True, username=username), ACCOUNTS_PAGE)
    return page(request, "accounts.html", admin=admin, accounts=managed, roles=[r.value for r in Role],
                username=username or "")


async def set_role(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    try:
        role = Role(form.get_str("role") or "")
    except ValueError:
        raise InvalidInput("role must be staff, publisher or admin") from None
    await app_state(request).services.admin_accounts.set_role(admin.label, path_id(request), role)
    return redirect("/admin/accounts", "saved")


async def disable(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.admin_accounts.disable(admin.label, path_id(request), reason=form.get_str("reason"))
    return redirect("/admin/accounts", "saved")


async def enable(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.admin_accounts.enable(admin.label, path_id(request))
    return redirect("/admin/accounts", "saved")


async def expose(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.admin_accounts.expose(admin.label, path_id(request), form.get_str("reason"))
    return redirect(_back(form), "saved")


async def hide(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.admin_accounts.hide(admin.label, path_id(request), form.get_str("reason"))
    return redirect(_back(form), "saved")


def _back(form: Params) -> str:
    return {"exposure": "/admin/exposure", "departments": "/admin/departments"}.get(form.get_str("back") or "",
                                                                                  "/admin/accounts")


async def show_exposure(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    return page(request, "exposure.html", admin=admin, exposures=await app_state(request).services.admin_accounts.exposures())


async def _manager(request: Request, admin: Admin) -> tuple[DepartmentAdmin, Manager]:
    departments = app_state(request).services.department_admin
    return departments, await departments.manager(admin.account, admin.user, admin.label)


async def show_departments(request: Request, admin: Admin) -> Response:
    departments, manager = await _manager(request, admin)
    listed = [(d, await departments.members(d)) for d in await departments.listed(manager)]
    return page(request, "departments.html", admin=admin, departments=listed, member_roles=[r.value for r in MemberRole],
                manages_all=manager.is_admin)


def _member_role(form: Params) -> MemberRole:
    try:
        return MemberRole(form.get_str("role") or "member")
    except ValueError:
        raise InvalidInput("role must be member or publisher") from None


async def add_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    username = (form.get_str("username") or "").strip().lstrip("@")
    account = await departments.local_account(username) if username else None
    if account is None:
        raise InvalidInput(f"No employee {username!r}")
    await departments.set_member(manager, department, account.id, _member_role(form))
    return redirect("/admin/departments", "saved")


async def change_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    await departments.change_role(manager, department, path_id(request, "account_id"), _member_role(form))
    return redirect("/admin/departments", "saved")


async def remove_member(request: Request, admin: Admin, form: Params) -> Response:
    departments, manager = await _manager(request, admin)
    department = await departments.department(manager, path_id(request))
    await departments.remove_member(manager, department, path_id(request, "account_id"))
    return redirect("/admin/departments", "saved")

