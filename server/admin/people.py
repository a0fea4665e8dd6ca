"""Accounts and roles, new colleagues and their one-time password links, and exposure (who is visible outside).

All of it is for admins. Roles, offboarding and exposure go through
``AdminAccounts`` (audited, with the employee's notice); creating a person,
inviting and resetting a password through ``PasswordLinks``, which shows
the admin a one-time link once and writes the audit line. A refused form
comes back with the typed input and each message beside its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput
from server.admin.gate import FORM_REFUSALS, Admin, field_messages, page, redirect, require_admin
from server.edge.params import Params, path_id
from server.services.password_links import IssuedLink, NewPerson
from server.state import app_state
from storage.admin import AccountQuery
from storage.models import Page, Role

ACCOUNTS_PAGE = Page(limit=200)
ACCOUNTS = "/admin/accounts"
PERSON_FIELDS = ("username", "display_name", "email", "role")


async def show_accounts(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    return await accounts_page(request, admin)


async def accounts_page(request: Request, admin: Admin, *, status: int = 200, errors: Mapping[str, str] | None = None,
                        values: Mapping[str, str] | None = None) -> Response:
    username = request.query_params.get("username") or None
    managed = await app_state(request).services.admin_accounts.find(AccountQuery(local=True, username=username),
                                                                     ACCOUNTS_PAGE)
    return page(request, "accounts.html", status=status, admin=admin, accounts=managed,
                roles=[r.value for r in Role], username=username or "", errors=errors or {}, values=values or {})


def _issued(request: Request, admin: Admin, issued: IssuedLink, *, created: bool = False) -> Response:
    return page(request, "password_link.html", status=201 if created else 200, admin=admin, issued=issued,
                created=created)


async def create_person(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    values = {name: form.get_str(name) or "" for name in PERSON_FIELDS}
    person = NewPerson(values["username"], values["display_name"], values["email"], values["role"])
    try:
        issued = await app_state(request).services.password_links.create_person(admin.label, person)
    except FORM_REFUSALS as refused:
        return await accounts_page(request, admin, status=refused.status_code, errors=field_messages(refused),
                                   values=values)
    return _issued(request, admin, issued, created=True)


async def password_link(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)
    return await _row(request, admin, f"link-{account_id}", form, lambda: _link(request, admin, account_id, reset=True))


async def invite(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)
    return await _row(request, admin, f"link-{account_id}", form, lambda: _link(request, admin, account_id, reset=False))


async def _link(request: Request, admin: Admin, account_id: int, *, reset: bool) -> Response:
    links = app_state(request).services.password_links
    issued = await (links.reset if reset else links.invite)(admin.label, account_id)
    return _issued(request, admin, issued)


async def _row(request: Request, admin: Admin, key: str, form: Params,
               act: Callable[[], Awaitable[Response]]) -> Response:
    """A one-line form of a table row: refused, the page again with the message beside that row's control."""
    try:
        return await act()
    except FORM_REFUSALS as refused:
        return await accounts_page(request, admin, status=refused.status_code, errors={key: refused.public_message},
                                   values={key: form.get_str("reason") or ""})


async def set_role(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)

    async def act() -> Response:
        try:
            role = Role(form.get_str("role") or "")
        except ValueError:
            raise InvalidInput("The role must be staff, publisher or admin.") from None
        await app_state(request).services.admin_accounts.set_role(admin.label, account_id, role)
        return redirect(ACCOUNTS, "saved")
    return await _row(request, admin, f"role-{account_id}", form, act)


async def disable(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)

    async def act() -> Response:
        await app_state(request).services.admin_accounts.disable(admin.label, account_id, reason=form.get_str("reason"))
        return redirect(ACCOUNTS, "saved")
    return await _row(request, admin, f"disable-{account_id}", form, act)


async def enable(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.admin_accounts.enable(admin.label, path_id(request))
    return redirect(ACCOUNTS, "saved")


async def expose(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)

    async def act() -> Response:
        await app_state(request).services.admin_accounts.expose(admin.label, account_id, form.get_str("reason"))
        return redirect(_back(form), "saved")
    return await _row(request, admin, f"expose-{account_id}", form, act)


async def hide(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    account_id = path_id(request)

    async def act() -> Response:
        await app_state(request).services.admin_accounts.hide(admin.label, account_id, form.get_str("reason"))
        return redirect(_back(form), "saved")
    return await _row(request, admin, f"hide-{account_id}", form, act)


def _back(form: Params) -> str:
    return {"exposure": "/admin/exposure", "departments": "/admin/departments"}.get(form.get_str("back") or "",
                                                                                  ACCOUNTS)


async def show_exposure(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    return page(request, "exposure.html", admin=admin, exposures=await app_state(request).services.admin_accounts.exposures())
