"""Relationships: follow, block, mute, note; follow requests; the blocks and mutes lists.

Every action answers with the viewer's Relationship to the target, read
back from storage after the change, as Mastodon does.

Through a token acting as the company or a department, following, muting
and notes are the identity's own acts, but blocking, unblocking, removing
a follower and deciding follow requests decide who may follow and reach the
organisation: its settings, which only an admin changes, audited
(``identities.settings_change``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.pagination import ACCOUNTS_LIMITS, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import paged, state
from server.services.relationships import RelationshipService
from storage.models import Account
from storage.profiles import RelationshipFacts

MAX_RELATIONSHIP_IDS: Final = 1000
DOMAIN_BLOCKS_MESSAGE: Final = (
    "Blocking a whole domain is an admin decision here: ask an admin to change the federation policy"
)


def relationship_entity(account_id: int, facts: RelationshipFacts) -> dict[str, Any]:
    """Mastodon 4.3's Relationship."""
    active = facts.following or facts.requested
    return {
        "id": str(account_id),
        "following": facts.following,
        "showing_reblogs": facts.showing_reblogs and active,
        "notifying": facts.notifying and active,
        "languages": None,
        "followed_by": facts.followed_by,
        "blocking": facts.blocking,
        "blocked_by": facts.blocked_by,
        "muting": facts.muting,
        "muting_notifications": facts.muting_notifications,
        "requested": facts.requested,
        "requested_by": facts.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": facts.note,
    }


async def _relationship(service: RelationshipService, viewer: Account, target: Account) -> Response:
    return JSONResponse(relationship_entity(target.id, await service.relationship(viewer, target)))


async def relationships(request: Request) -> Response:
    """``GET /api/v1/accounts/relationships?id[]=``: in request order, unknown ids left out."""
    viewer = await require_user(request, "read:follows")
    params = await read_params(request)
    ids = params.get_id_list("id")
    if len(ids) > MAX_RELATIONSHIP_IDS:
        raise InvalidInput(f"At most {MAX_RELATIONSHIP_IDS} ids may be asked for at once")
    found = await state(request).services.relationships.relationships(viewer.account, ids)
    return JSONResponse([relationship_entity(i, facts) for i, facts in found])


Action = Callable[[RelationshipService, Account, Account, Params], Awaitable[object]]


async def _follow(service: RelationshipService, viewer: Account, target: Account, params: Params) -> object:
    # ``languages`` is accepted and not kept: every post reaches followers whatever its language.
    return await service.follow(viewer, target, reblogs=params.get_bool("reblogs"), notify=params.get_bool("notify"))


async def _mute(service: RelationshipService, viewer: Account, target: Account, params: Params) -> None:
    notifications = bool(params.get_bool("notifications", True))
    duration = params.get_int("duration", 0) or 0
    await service.mute(viewer, target, notifications=notifications, duration=duration)


async def _note(service: RelationshipService, viewer: Account, target: Account, params: Params) -> None:
    await service.set_note(viewer, target, params.get_str("comment", "") or "")


ACTIONS: Final[dict[str, tuple[str, Action]]] = {
    "follow": ("write:follows", _follow),
    "unfollow": ("write:follows", lambda s, v, t, p: s.unfollow(v, t)),
    "remove_from_followers": ("write:follows", lambda s, v, t, p: s.remove_from_followers(v, t)),
    "block": ("write:blocks", lambda s, v, t, p: s.block(v, t)),
    "unblock": ("write:blocks", lambda s, v, t, p: s.unblock(v, t)),
    "mute": ("write:mutes", _mute),
    "unmute": ("write:mutes", lambda s, v, t, p: s.unmute(v, t)),
    "note": ("write:accounts", _note),
}


def _account_action(name: str, scope: str, action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        viewer = await require_user(request, scope)
        service = state(request).services.relationships
        target = await service.target(path_id(request))
        params = await read_params(request)
        async with service.deciding(name, viewer.account, viewer.editor, target):
            await action(service, viewer.account, target, params)
        return await _relationship(service, viewer.account, target)

    return handler


def _request_action(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        viewer = await require_user(request, "write:follows")
        service = state(request).services.relationships
        requester = await service.target(path_id(request, "account_id"))
        async with service.deciding(name, viewer.account, viewer.editor, requester):
            await (service.authorize if name == "authorize" else service.reject)(viewer.account, requester)
        return await _relationship(service, viewer.account, requester)

    return handler


async def follow_requests(request: Request) -> Response:
    viewer = await require_user(request, "read:follows")
    app = state(request)
    page = page_of(await read_params(request), ACCOUNTS_LIMITS)
    rows = await app.services.relationships.follow_requests(viewer.account, page)
    entities = await app.presenter.accounts([account for _, account in rows])
    return paged(request, entities, [follow.id for follow, _ in rows], limit=page.limit)


async def _listed(request: Request, scope: str, kind: str) -> Response:
    viewer = await require_user(request, scope)
    app = state(request)
    page = page_of(await read_params(request), ACCOUNTS_LIMITS)
    rows = await app.services.relationships.blocked_or_muted(kind, viewer.account, page)
    entities = await app.presenter.accounts([account for _, account in rows])
    return paged(request, entities, [row_id for row_id, _ in rows], limit=page.limit)


async def blocks(request: Request) -> Response:
    return await _listed(request, "read:blocks", "blocks")


async def mutes(request: Request) -> Response:
    return await _listed(request, "read:mutes", "mutes")


async def endorsements(request: Request) -> Response:
    """Featured profiles are not built: an empty list, as for an account that features nobody."""
    await require_user(request, "read:accounts")
    return JSONResponse([])


async def domain_blocks(request: Request) -> Response:
    await require_user(request, "read:blocks")
    return JSONResponse([])


async def change_domain_block(request: Request) -> Response:
    await require_user(request, "write:blocks")
    raise InvalidInput(DOMAIN_BLOCKS_MESSAGE)


def routes() -> list[BaseRoute]:
    base = "/api/v1/accounts/{id}"
    return [
        Route("/api/v1/accounts/relationships", relationships, methods=["GET"]),
        *[Route(f"{base}/{name}", _account_action(name, scope, action), methods=["POST"])
          for name, (scope, action) in ACTIONS.items()],
        Route("/api/v1/follow_requests", follow_requests, methods=["GET"]),
        Route("/api/v1/follow_requests/{account_id}/authorize", _request_action("authorize"), methods=["POST"]),
        Route("/api/v1/follow_requests/{account_id}/reject", _request_action("reject"), methods=["POST"]),
        Route("/api/v1/blocks", blocks, methods=["GET"]),
        Route("/api/v1/mutes", mutes, methods=["GET"]),
        Route("/api/v1/endorsements", endorsements, methods=["GET"]),
        Route("/api/v1/domain_blocks", domain_blocks, methods=["GET"]),
        Route("/api/v1/domain_blocks", change_domain_block, methods=["POST", "DELETE"]),
    ]
