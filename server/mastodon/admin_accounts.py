"""Accounts for admins: ``/api/v1/admin/accounts`` (Mastodon's shapes) and Insideout's exposure routes.

* ``GET /api/v1/admin/accounts``: Admin::Account list; filters ``local``,
  ``remote``, ``disabled``, ``active``, ``staff`` (publishers and admins),
  ``role`` (staff|publisher|admin), ``by_domain``, ``username``; paged by id.
* ``GET /api/v1/admin/accounts/:id``
* ``POST /api/v1/admin/accounts/:id/role`` (``role``): refuses to demote the last admin (409).
* ``POST /api/v1/admin/accounts/:id/action`` (``type`` disable|none, ``text``,
  ``report_id``): ``disable`` offboards (tokens revoked); with ``report_id``
  the report is closed, as in Mastodon.
* ``POST /api/v1/admin/accounts/:id/enable``
* ``POST /api/v1/admin/insideout/accounts/:id/expose`` (``reason`` required)
  and ``.../hide``: the employee is told by a direct message from the company
  (a ``mention`` notification in any client).
* ``GET /api/v1/admin/insideout/exposure``: who is visible outside and why.
* ``GET /api/v1/admin/insideout/actions``: the admin action log (filters
  ``target_type``, ``target_id``, ``action``, ``limit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.pagination import page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.admin_auth import READ, READ_ACCOUNTS, WRITE_ACCOUNTS, admin_services, require_admin
from server.mastodon.common import paged, state
from server.present.entities.admin import admin_account_entity, admin_action_entity, exposure_entity
from server.services.admin_accounts import ManagedAccount
from storage.admin import AccountQuery
from storage.models import Role

Entity = dict[str, Any]
ACCOUNTS = "/api/v1/admin/accounts"
INSIDEOUT = "/api/v1/admin/insideout"
ACCOUNT_LIMITS = (100, 200)


async def _entities(request: Request, managed: Sequence[ManagedAccount]) -> list[Entity]:
    accounts = await state(request).presenter.accounts([m.account for m in managed])
    return [admin_account_entity(m, a) for m, a in zip(managed, accounts)]


def _query(params: Params) -> AccountQuery:
    local = True if params.get_bool("local") else False if params.get_bool("remote") else None
    origin = params.get_str("origin")
    if origin in ("local", "remote"):
        local = origin == "local"
    disabled = True if params.get_bool("disabled") else False if params.get_bool("active") else None
    roles: tuple[str, ...] = ()
    if params.get_bool("staff"):
        roles = (Role.PUBLISHER.value, Role.ADMIN.value)
    if role := params.get_str("role"):
        if role not in {r.value for r in Role}:
            raise InvalidInput("role must be staff, publisher or admin")
        roles = (role,)
    return AccountQuery(local=local, disabled=disabled, roles=roles, domain=params.get_str("by_domain") or None,
                        username=params.get_str("username") or None)


async def list_accounts(request: Request) -> Response:
    await require_admin(request, READ_ACCOUNTS)
    params = await read_params(request)
    managed = await admin_services(request).accounts.find(_query(params), page_of(params, ACCOUNT_LIMITS))
    return paged(request, await _entities(request, managed), [m.account.id for m in managed])


async def show_account(request: Request) -> Response:
    await require_admin(request, READ_ACCOUNTS)
    managed = await admin_services(request).accounts.get(path_id(request))
    return JSONResponse((await _entities(request, [managed]))[0])


async def set_role(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_ACCOUNTS)
    params = await read_params(request)
    try:
        role = Role(params.get_str("role") or "")
    except ValueError:
        raise InvalidInput("role must be staff, publisher or admin") from None
    managed = await admin_services(request).accounts.set_role(viewer.actor, path_id(request), role)
    return JSONResponse((await _entities(request, [managed]))[0])


async def account_action(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_ACCOUNTS)
    params = await read_params(request)
    kind = params.get_str("type") or "none"
    if kind not in ("none", "disable"):
        raise InvalidInput("type must be disable or none (silence, suspend and sensitive are not supported)")
    services = admin_services(request)
    account_id = path_id(request)
    if kind == "disable":
        await services.accounts.disable(viewer.actor, account_id, reason=params.get_str("text"))
    else:
        await services.accounts.get(account_id)
    report_id = params.get_id("report_id")
    if report_id is not None:
        await services.reports.resolve(viewer.actor, report_id, f"account_{kind}", account=str(account_id))
    return JSONResponse({})


async def enable(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_ACCOUNTS)
    managed = await admin_services(request).accounts.enable(viewer.actor, path_id(request))
    return JSONResponse((await _entities(request, [managed]))[0])


async def expose(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_ACCOUNTS)
    params = await read_params(request)
    managed = await admin_services(request).accounts.expose(viewer.actor, path_id(request), params.get_str("reason"))
    return JSONResponse((await _entities(request, [managed]))[0])


async def hide(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_ACCOUNTS)
    params = await read_params(request)
    managed = await admin_services(request).accounts.hide(viewer.actor, path_id(request), params.get_str("reason"))
    return JSONResponse((await _entities(request, [managed]))[0])


async def exposure(request: Request) -> Response:
    await require_admin(request, READ_ACCOUNTS)
    exposures = await admin_services(request).accounts.exposures()
    accounts = await state(request).presenter.accounts([e.account for e in exposures])
    return JSONResponse([exposure_entity(e, a) for e, a in zip(exposures, accounts)])


async def actions(request: Request) -> Response:
    await require_admin(request, READ)
    params = await read_params(request)
    limit = max(1, min(params.get_int("limit", 100) or 100, 500))
    found = await state(request).services.admin_log.actions(
        target_type=params.get_str("target_type") or None, target_id=params.get_str("target_id") or None,
        action=params.get_str("action") or None, limit=limit)
    return JSONResponse([admin_action_entity(a) for a in found])


def routes() -> list[BaseRoute]:
    return [
        Route(ACCOUNTS, list_accounts, methods=["GET"]),
        Route(f"{ACCOUNTS}/{{id}}", show_account, methods=["GET"]),
        Route(f"{ACCOUNTS}/{{id}}/role", set_role, methods=["POST"]),
        Route(f"{ACCOUNTS}/{{id}}/action", account_action, methods=["POST"]),
        Route(f"{ACCOUNTS}/{{id}}/enable", enable, methods=["POST"]),
        Route(f"{INSIDEOUT}/accounts/{{id}}/expose", expose, methods=["POST"]),
        Route(f"{INSIDEOUT}/accounts/{{id}}/hide", hide, methods=["POST"]),
        Route(f"{INSIDEOUT}/exposure", exposure, methods=["GET"]),
        Route(f"{INSIDEOUT}/actions", actions, methods=["GET"]),
    ]
