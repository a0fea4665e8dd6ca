"""Federation policy: the mode, allowed and blocked domains (runtime rules over the configured floor),
followers by domain and delivery health per domain. Admins only; every change through ``FederationAdmin``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import InvalidInput, NotFound
from server.admin.gate import Admin, page, redirect, require_admin
from server.edge.params import Params, path_id
from server.state import app_state
from storage.admin import DomainRuleKind

PATH = "/admin/federation"


async def show_federation(request: Request, admin: Admin) -> Response:
    require_admin(admin)
    federation = app_state(request).services.federation_admin
    floor = federation.policy.floor
    return page(
        request, "federation.html", admin=admin, mode=await federation.mode(),
        allowed=await federation.rules(DomainRuleKind.ALLOW), blocked=await federation.rules(DomainRuleKind.BLOCK),
        configured_allowed=sorted(floor.allowed), configured_blocked=sorted(floor.blocked),
        domains=await federation.domains(),
    )


async def set_mode(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    mode = form.get_str("mode")
    if not mode:
        raise InvalidInput("mode is required: open, allowlist or configured")
    await app_state(request).services.federation_admin.set_mode(admin.label, None if mode == "configured" else mode,
                                                      form.get_str("reason"))
    return redirect(PATH, "saved")


def _kind(request: Request) -> DomainRuleKind:
    try:
        return DomainRuleKind(request.path_params["kind"])
    except ValueError:
        raise NotFound() from None


async def add_rule(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.federation_admin.add(
        admin.label, _kind(request), form.get_str("domain"), private_comment=form.get_str("private_comment"),
        public_comment=form.get_str("public_comment"))
    return redirect(PATH, "saved")


async def remove_rule(request: Request, admin: Admin, form: Params) -> Response:
    require_admin(admin)
    await app_state(request).services.federation_admin.remove(admin.label, _kind(request), path_id(request))
    return redirect(PATH, "saved")
