"""``/api/v1/admin/insideout/policies``: which accounts an admin trusts to publish at once (admins only).

``GET`` lists the effective auto-publish setting of the company and of every
account an admin set, with the log of changes. ``PUT .../auto_publish/:id``
sets one (``enabled``, ``reason``); ``DELETE`` returns it to the default
(on for the company, off for everyone else). Every change is logged with the
admin behind it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import Forbidden, InvalidInput
from server.edge.dates import format_datetime
from server.edge.params import path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.services.auto_publish import Trust
from storage.models import Role

PREFIX = "/api/v1/admin/insideout/policies"
READ = ("admin:read", "admin:read:accounts")
WRITE = ("admin:write", "admin:write:accounts")
MAX_REASON = 500
Entity = dict[str, Any]


async def _admin(request: Request, scopes: tuple[str, ...]) -> Viewer:
    viewer = await require_user(request, *scopes)
    if viewer.user.role is not Role.ADMIN:
        raise Forbidden("Only admins can change publication policies")
    return viewer


async def _trust_entity(request: Request, trust: Trust) -> Entity:
    policy = trust.policy
    return {
        "account": await state(request).presenter.account(trust.account),
        "enabled": trust.enabled,
        "default": policy is None,
        "policy_id": str(policy.id) if policy else None,
        "set_by": policy.set_by if policy else None,
        "reason": policy.reason if policy else None,
        "updated_at": format_datetime(policy.updated_at) if policy else None,
    }


async def show_policies(request: Request) -> Response:
    await _admin(request, READ)
    overview = await state(request).services.auto_publish.overview(changes=100)
    return JSONResponse({
        "auto_publish": [await _trust_entity(request, t) for t in overview.trusts],
        "changes": [
            {"id": str(c.id), "account_id": str(c.account_id), "setting": c.setting, "value": c.value,
             "actor": c.actor, "reason": c.reason, "created_at": format_datetime(c.created_at)}
            for c in overview.changes
        ],
    })


async def set_auto_publish(request: Request) -> Response:
    viewer = await _admin(request, WRITE)
    auto_publish = state(request).services.auto_publish
    account = await auto_publish.trustable(path_id(request, "account_id"))
    params = await read_params(request)
    enabled = params.get_bool("enabled")
    if enabled is None:
        raise InvalidInput("enabled (true or false) is required")
    reason = _reason(params.get_str("reason"))
    trust = await auto_publish.set_trust(account, enabled, actor=viewer.actor, reason=reason)
    return JSONResponse(await _trust_entity(request, trust))


async def clear_auto_publish(request: Request) -> Response:
    viewer = await _admin(request, WRITE)
    auto_publish = state(request).services.auto_publish
    account = await auto_publish.trustable(path_id(request, "account_id"))
    reason = _reason((await read_params(request)).get_str("reason"))
    trust = await auto_publish.reset_trust(account, actor=viewer.actor, reason=reason)
    return JSONResponse(await _trust_entity(request, trust))


def _reason(raw: str | None) -> str | None:
    reason = (raw or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason is too long (maximum is {MAX_REASON} characters)")
    return reason


def routes() -> list[BaseRoute]:
    return [
        Route(PREFIX, show_policies, methods=["GET"]),
        Route(f"{PREFIX}/auto_publish/{{account_id}}", set_auto_publish, methods=["PUT"]),
        Route(f"{PREFIX}/auto_publish/{{account_id}}", clear_auto_publish, methods=["DELETE"]),
    ]
