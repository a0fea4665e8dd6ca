"""Lists: ``/api/v1/lists``, their members, ``/api/v1/accounts/:id/lists`` and the list timeline.

As in Mastodon, a member must be followed by the list's owner (or asked to
be), and unfollowing drops the account from the owner's lists. Someone
else's list answers exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput, NotFound
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import page_of, paged, path_id, state
from server.mastodon.pagination import ACCOUNTS_LIMITS
from server.mastodon.params import Params, read_params
from storage.curation import AccountList, RepliesPolicy

NOT_FOLLOWED_MESSAGE = "Validation failed: You must follow an account to add it to a list"


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
    found = await state(request).storage.lists.get(viewer.account.id, path_id(request))
    if found is None:
        raise NotFound()
    return found


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:lists")
    return JSONResponse([list_entity(found) for found in await state(request).storage.lists.owned(viewer.account.id)])


async def create(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    params = await read_params(request)
    created = await state(request).storage.lists.create(
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
    updated = await state(request).storage.lists.update(
        found.id, _title(params, found.title), _replies_policy(params, found.replies_policy),
        bool(params.get_bool("exclusive", found.exclusive)),
    )
    return JSONResponse(list_entity(updated))


async def delete(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    await state(request).storage.lists.delete(viewer.account.id, found.id)
    return JSONResponse({})


async def members(request: Request) -> Response:
    viewer = await require_user(request, "read:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    app = state(request)
    # limit=0 is Mastodon's "every member, unpaginated".
    page = None if params.get_int("limit") == 0 else page_of(params, ACCOUNTS_LIMITS)
    rows = await app.storage.lists.members(found.id, page)
    entities = await app.presenter.accounts([account for _, account in rows])
    if page is None:
        return JSONResponse(entities)
    return paged(request, entities, [membership for membership, _ in rows], limit=page.limit)


async def _account_ids(request: Request, params: Params) -> list[int]:
    ids = params.get_id_list("account_ids")
    for account_id in ids:
        if await state(request).storage.accounts.get(account_id) is None:
            raise NotFound()
    return ids


async def add_members(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    ids = await _account_ids(request, await read_params(request))
    if await state(request).storage.lists.add_accounts(found.id, ids):
        raise InvalidInput(NOT_FOLLOWED_MESSAGE)
    return JSONResponse({})


async def remove_members(request: Request) -> Response:
    viewer = await require_user(request, "write:lists")
    found = await _owned(request, viewer)
    params = await read_params(request)
    await state(request).storage.lists.remove_accounts(found.id, params.get_id_list("account_ids"))
    return JSONResponse({})


async def account_lists(request: Request) -> Response:
    """``GET /api/v1/accounts/:id/lists``: the viewer's lists holding that account."""
    viewer = await require_user(request, "read:lists")
    app = state(request)
    account = await app.storage.accounts.get(path_id(request))
    if account is None:
        raise NotFound()
    return JSONResponse([list_entity(f) for f in await app.storage.lists.with_member(viewer.account.id, account.id)])


async def timeline(request: Request) -> Response:
    """``GET /api/v1/timelines/list/:id``: read on demand, so a new member's older posts show at once."""
    viewer = await require_user(request, "read:lists")
    found = await _owned(request, viewer)
    app = state(request)
    ids = await app.storage.lists.timeline(found.id, page_of(await read_params(request)), reader=viewer.reader)
    statuses = await app.storage.statuses.get_many(ids)
    ordered = [statuses[i] for i in ids if i in statuses]
    return paged(request, await app.presenter.statuses(ordered, viewer.account, context="home"), ids)


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
