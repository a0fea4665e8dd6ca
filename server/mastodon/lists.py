"""Lists: ``/api/v1/lists``, their members, ``/api/v1/accounts/:id/lists`` and the list timeline.

The rules are ``ListService``'s: as in Mastodon, a member must be followed
by the list's owner (or asked to be), and someone else's list answers
exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.pagination import ACCOUNTS_LIMITS, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from storage.curation import AccountList, RepliesPolicy


def list_entity(found: AccountList) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy.value,
        "exclusive": found.exclusive,
    }


def _replies_policy(params: Params, default: RepliesPolicy) -> RepliesPolicy:
    value = params.get_str("replies_policy")
    if value is None or value == "":
        return default
    try:
        return RepliesPolicy(value)
    except ValueError:
        raise InvalidInput(f"'{value}' is not a valid replies_policy") from None


def _title(params: Params, default: str | None) -> str:
    title = params.get_str("title", default)
    if title is None or not title.strip():
        raise InvalidInput("Validation failed: Title can't be blank")
    return title.strip()


async def _owned(request: Request, viewer: Viewer) -> AccountList:
    return await state(request).services.lists.get(viewer.account.id, path_id(request))


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:lists")
    return JSONResponse([list_entity(found) for found in await state(request).services.lists.owned(viewer.account.id)])


async def create(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    params = await read_params(request)
    created = await state(request).services.lists.create(
        viewer.account.id, _title(params, None), _replies_policy(params, RepliesPolicy.LIST),
        bool(params.get_bool("exclusive", False)),
    )
    return JSONResponse(list_entity(created))


async def show(request: Request) -> Response:
    viewer = await require_user(request, "read:lists")
    return JSONResponse(list_entity(await _owned(request, viewer)))


async def update(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    updated = await state(request).services.lists.update(
        found, _title(params, found.title), _replies_policy(params, found.replies_policy),
        bool(params.get_bool("exclusive", found.exclusive)),
    )
    return JSONResponse(list_entity(updated))


async def delete(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    await state(request).services.lists.delete(found)
    return JSONResponse({})


async def members(request: Request) -> Response:
    viewer = await require_user(request, "read:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    app = state(request)
    # limit=0 is Mastodon's "every member, unpaginated".
    page = None if params.get_int("limit") == 0 else page_of(params, ACCOUNTS_LIMITS)
    rows = await app.services.lists.members(found, page)
    entities = await app.presenter.accounts([account for _, account in rows])
    if page is None:
        return JSONResponse(entities)
    return paged(request, entities, [membership for membership, _ in rows], limit=page.limit)


async def add_members(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    await state(request).services.lists.add_members(found, params.get_id_list("account_ids"))
    return JSONResponse({})


async def remove_members(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    await state(request).services.lists.remove_members(found, params.get_id_list("account_ids"))
    return JSONResponse({})


async def account_lists(request: Request) -> Response:
    """``GET /api/v1/accounts/:id/lists``: the viewer's lists holding that account."""
    viewer = await require_user(request, "read:lists")
    holding = await state(request).services.lists.holding(viewer.account.id, path_id(request))
    return JSONResponse([list_entity(f) for f in holding])


async def timeline(request: Request) -> Response:
    """``GET /api/v1/timelines/list/:id``: read on demand, so a new member's older posts show at once."""
    viewer = await require_user(request, "read:lists")
    found = await _owned(request, viewer)
    app = state(request)
    listed = await app.services.lists.timeline(found, page_of(await read_params(request)), viewer.reader)
    return paged(request, await app.presenter.statuses(listed.statuses, viewer.account, context="home"), listed.ids)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/lists", index, methods=["GET"]),
        Route("/api/v1/lists", create, methods=["POST"]),
        Route("/api/v1/lists/{id}", show, methods=["GET"]),
        Route("/api/v1/lists/{id}", update, methods=["PUT", "PATCH"]),
        Route("/api/v1/lists/{id}", delete, methods=["DELETE"]),
        Route("/api/v1/lists/{id}/accounts", members, methods=["GET"]),
        Route("/api/v1/lists/{id}/accounts", add_members, methods=["POST"]),
        Route("/api/v1/lists/{id}/accounts", remove_members, methods=["DELETE"]),
        Route("/api/v1/accounts/{id}/lists", account_lists, methods=["GET"]),
        Route("/api/v1/timelines/list/{id}", timeline, methods=["GET"]),
    ]
