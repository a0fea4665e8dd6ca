"""``/api/v1/admin/insideout/departments``: departments, their members and their timeline, for those who manage them.

Admins manage every department: create, rename, hide (``exposed`` false) and
set members. A department's own publishers manage its members and what its
timeline shows. Everyone else hears 403. Member lists appear only here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.dates import format_datetime
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.services.department_admin import DepartmentAdmin, DepartmentChanges, Manager
from storage.identities import DepartmentTimeline
from storage.models import Account, MemberRole

PREFIX = "/api/v1/admin/insideout/departments"
READ = ("admin:read", "admin:read:accounts")
WRITE = ("admin:write", "admin:write:accounts")
Entity = dict[str, Any]


async def _manager(request: Request, scopes: tuple[str, ...]) -> tuple[DepartmentAdmin, Manager]:
    viewer = await require_user(request, *scopes)
    admin = state(request).services.department_admin
    return admin, await admin.manager(viewer.human, viewer.user, viewer.actor)


async def _entity(request: Request, admin: DepartmentAdmin, department: Account, *, members: bool) -> Entity:
    app = state(request)
    (trust,) = await app.services.auto_publish.trust([department])
    listed = await admin.members(department)
    entity: Entity = {
        "id": str(department.id),
        "username": department.username,
        "display_name": department.display_name,
        "public_note": department.public_note,
        "exposed": department.exposed,
        "timeline": (await admin.timeline(department)).value,
        "auto_publish": trust.enabled,
        "members_count": len(listed),
        "created_at": format_datetime(department.created_at),
        "account": await app.presenter.account(department),
    }
    if members:
        accounts = await app.presenter.accounts([account for account, _ in listed])
        entity["members"] = [
            {"account": account, "role": membership.role.value, "created_at": format_datetime(membership.created_at)}
            for account, (_, membership) in zip(accounts, listed)
        ]
    return entity


def _changes(params: Params) -> DepartmentChanges:
    timeline = params.get_str("timeline")
    try:
        mode = DepartmentTimeline(timeline) if timeline is not None else None
    except ValueError:
        raise InvalidInput("timeline must be one of: mentions, members, both") from None
    return DepartmentChanges(
        display_name=params.get_str("display_name"), public_note=params.get_str("public_note"),
        exposed=params.get_bool("exposed"), timeline=mode,
    )


def _role(params: Params, default: MemberRole | None) -> MemberRole:
    raw = params.get_str("role")
    if raw is None and default is not None:
        return default
    try:
        return MemberRole(raw or "")
    except ValueError:
        raise InvalidInput("role must be member or publisher") from None


async def list_departments(request: Request) -> Response:
    admin, manager = await _manager(request, READ)
    return JSONResponse([await _entity(request, admin, d, members=False) for d in await admin.listed(manager)])


async def show_department(request: Request) -> Response:
    admin, manager = await _manager(request, READ)
    department = await admin.department(manager, path_id(request))
    return JSONResponse(await _entity(request, admin, department, members=True))


async def create_department(request: Request) -> Response:
    admin, manager = await _manager(request, WRITE)
    params = await read_params(request)
    username, name = params.get_str("username") or "", params.get_str("display_name") or ""
    department = await admin.create(manager, username, name, _changes(params))
    return JSONResponse(await _entity(request, admin, department, members=True))


async def update_department(request: Request) -> Response:
    admin, manager = await _manager(request, WRITE)
    department = await admin.department(manager, path_id(request))
    updated = await admin.update(manager, department, _changes(await read_params(request)))
    return JSONResponse(await _entity(request, admin, updated, members=True))


async def add_member(request: Request) -> Response:
    admin, manager = await _manager(request, WRITE)
    department = await admin.department(manager, path_id(request))
    params = await read_params(request)
    account_id = params.get_id("account_id")
    if account_id is None:
        raise InvalidInput("account_id is required")
    await admin.set_member(manager, department, account_id, _role(params, MemberRole.MEMBER))
    return JSONResponse(await _entity(request, admin, department, members=True))


async def change_member(request: Request) -> Response:
    admin, manager = await _manager(request, WRITE)
    department = await admin.department(manager, path_id(request))
    role = _role(await read_params(request), None)
    await admin.change_role(manager, department, path_id(request, "account_id"), role)
    return JSONResponse(await _entity(request, admin, department, members=True))


async def remove_member(request: Request) -> Response:
    admin, manager = await _manager(request, WRITE)
    department = await admin.department(manager, path_id(request))
    await admin.remove_member(manager, department, path_id(request, "account_id"))
    return JSONResponse(await _entity(request, admin, department, members=True))


def routes() -> list[BaseRoute]:
    return [
        Route(PREFIX, list_departments, methods=["GET"]),
        Route(PREFIX, create_department, methods=["POST"]),
        Route(f"{PREFIX}/{{id}}", show_department, methods=["GET"]),
        Route(f"{PREFIX}/{{id}}", update_department, methods=["PUT", "PATCH"]),
        Route(f"{PREFIX}/{{id}}/members", add_member, methods=["POST"]),
        Route(f"{PREFIX}/{{id}}/members/{{account_id}}", change_member, methods=["PUT", "PATCH"]),
        Route(f"{PREFIX}/{{id}}/members/{{account_id}}", remove_member, methods=["DELETE"]),
    ]
