"""Federation policy for admins, applied at runtime without a restart.

* ``GET/POST /api/v1/admin/domain_blocks``, ``GET/DELETE .../:id``
  (Admin::DomainBlock; ``domain``, ``private_comment``, ``public_comment``;
  only ``severity=suspend`` exists here: a blocked domain is refused both ways).
* ``GET/POST /api/v1/admin/domain_allows``, ``GET/DELETE .../:id`` (Admin::DomainAllow;
  they matter in allowlist mode).
* ``GET/PUT /api/v1/admin/insideout/federation``: the mode (``open``,
  ``allowlist``, or ``configured`` to drop the override), plus the
  configured lists, which are the floor and cannot be removed here.
* ``GET /api/v1/admin/insideout/federation/domains``: outside followers of
  exposed accounts per domain, and delivery health per domain.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.params import path_id, read_params
from server.mastodon.admin_auth import (
    READ,
    READ_DOMAIN_ALLOWS,
    READ_DOMAIN_BLOCKS,
    WRITE,
    WRITE_DOMAIN_ALLOWS,
    WRITE_DOMAIN_BLOCKS,
    admin_services,
    require_admin,
)
from server.present.entities.admin import domain_allow_entity, domain_block_entity, domain_report_entity, mode_entity
from storage.admin import DomainRuleKind

ADMIN = "/api/v1/admin"
FEDERATION = "/api/v1/admin/insideout/federation"


async def list_blocks(request: Request) -> Response:
    await require_admin(request, READ_DOMAIN_BLOCKS)
    rules = await admin_services(request).federation.rules(DomainRuleKind.BLOCK)
    return JSONResponse([domain_block_entity(r) for r in reversed(rules)])


async def show_block(request: Request) -> Response:
    await require_admin(request, READ_DOMAIN_BLOCKS)
    return JSONResponse(domain_block_entity(
        await admin_services(request).federation.rule(DomainRuleKind.BLOCK, path_id(request))))


async def create_block(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_DOMAIN_BLOCKS)
    params = await read_params(request)
    if (params.get_str("severity") or "suspend") != "suspend":
        raise InvalidInput("Only severity=suspend is supported: a blocked domain is refused both ways")
    rule = await admin_services(request).federation.add(
        viewer.actor, DomainRuleKind.BLOCK, params.get_str("domain"),
        private_comment=params.get_str("private_comment"), public_comment=params.get_str("public_comment"))
    return JSONResponse(domain_block_entity(rule))


async def delete_block(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_DOMAIN_BLOCKS)
    await admin_services(request).federation.remove(viewer.actor, DomainRuleKind.BLOCK, path_id(request))
    return JSONResponse({})


async def list_allows(request: Request) -> Response:
    await require_admin(request, READ_DOMAIN_ALLOWS)
    rules = await admin_services(request).federation.rules(DomainRuleKind.ALLOW)
    return JSONResponse([domain_allow_entity(r) for r in reversed(rules)])


async def show_allow(request: Request) -> Response:
    await require_admin(request, READ_DOMAIN_ALLOWS)
    return JSONResponse(domain_allow_entity(
        await admin_services(request).federation.rule(DomainRuleKind.ALLOW, path_id(request))))


async def create_allow(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_DOMAIN_ALLOWS)
    params = await read_params(request)
    rule = await admin_services(request).federation.add(viewer.actor, DomainRuleKind.ALLOW, params.get_str("domain"))
    return JSONResponse(domain_allow_entity(rule))


async def delete_allow(request: Request) -> Response:
    viewer = await require_admin(request, WRITE_DOMAIN_ALLOWS)
    await admin_services(request).federation.remove(viewer.actor, DomainRuleKind.ALLOW, path_id(request))
    return JSONResponse({})


async def _federation_entity(request: Request) -> dict[str, object]:
    federation = admin_services(request).federation
    floor = federation.policy.floor
    return {**mode_entity(await federation.mode()),
            "configured_allowed_domains": sorted(floor.allowed), "configured_blocked_domains": sorted(floor.blocked)}


async def show_federation(request: Request) -> Response:
    await require_admin(request, READ)
    return JSONResponse(await _federation_entity(request))


async def update_federation(request: Request) -> Response:
    viewer = await require_admin(request, WRITE)
    params = await read_params(request)
    mode = params.get_str("mode")
    if not mode:
        raise InvalidInput("mode is required: open, allowlist or configured")
    await admin_services(request).federation.set_mode(
        viewer.actor, None if mode == "configured" else mode, params.get_str("reason"))
    return JSONResponse(await _federation_entity(request))


async def domains(request: Request) -> Response:
    await require_admin(request, READ)
    reports = await admin_services(request).federation.domains()
    return JSONResponse([domain_report_entity(r) for r in reports])


def routes() -> list[BaseRoute]:
    return [
        Route(f"{ADMIN}/domain_blocks", list_blocks, methods=["GET"]),
        Route(f"{ADMIN}/domain_blocks", create_block, methods=["POST"]),
        Route(f"{ADMIN}/domain_blocks/{{id}}", show_block, methods=["GET"]),
        Route(f"{ADMIN}/domain_blocks/{{id}}", delete_block, methods=["DELETE"]),
        Route(f"{ADMIN}/domain_allows", list_allows, methods=["GET"]),
        Route(f"{ADMIN}/domain_allows", create_allow, methods=["POST"]),
        Route(f"{ADMIN}/domain_allows/{{id}}", show_allow, methods=["GET"]),
        Route(f"{ADMIN}/domain_allows/{{id}}", delete_allow, methods=["DELETE"]),
        Route(FEDERATION, show_federation, methods=["GET"]),
        Route(FEDERATION, update_federation, methods=["PUT", "PATCH"]),
        Route(f"{FEDERATION}/domains", domains, methods=["GET"]),
    ]
