"""Filters v1 (``/api/v1/filters``), a view of v2 filters as Mastodon 4 keeps it.

Each keyword is one v1 filter (its id is the keyword's); ``irreversible``
is a ``hide`` action. Creating one makes a v2 filter titled by the phrase;
deleting the last keyword of a filter deletes the filter.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.mastodon.filters import parse_context, parse_expiry
from server.present.entities.filter import v1_filter_entities
from storage.curation import Filter, FilterAction, FilterFields, FilterKeyword, KeywordEdit


def _phrase(params: Params, default: str | None = None) -> str:
    phrase = params.get_str("phrase", default)
    if phrase is None or not phrase.strip():
        raise InvalidInput("Validation failed: Keyword can't be blank")
    return phrase.strip()


def _action(params: Params, current: FilterAction) -> FilterAction:
    irreversible = params.get_bool("irreversible")
    if irreversible is None:
        return current
    return FilterAction.HIDE if irreversible else FilterAction.WARN


async def _find(request: Request, viewer: Viewer) -> tuple[Filter, FilterKeyword]:
    return await state(request).services.filters.keyword_and_filter(viewer.account.id, path_id(request))


def _entity(found: Filter, keyword_id: int) -> dict[str, object]:
    return next(e for e in v1_filter_entities(found) if e["id"] == str(keyword_id))


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    found = await state(request).services.filters.owned(viewer.account.id)
    return JSONResponse([entity for flt in found for entity in v1_filter_entities(flt)])


async def show(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    found, keyword = await _find(request, viewer)
    return JSONResponse(_entity(found, keyword.id))


async def create(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    params = await read_params(request)
    phrase = _phrase(params)
    fields = FilterFields(phrase, parse_context(params, None), _action(params, FilterAction.WARN),
                          parse_expiry(params, None))
    created = await state(request).services.filters.create(
        viewer.account.id, fields, [(phrase, bool(params.get_bool("whole_word", True)))]
    )
    return JSONResponse(_entity(created, created.keywords[0].id))


async def update(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found, keyword = await _find(request, viewer)
    params = await read_params(request)
    fields = FilterFields(found.title, parse_context(params, found.context),
                          _action(params, found.filter_action), parse_expiry(params, found.expires_at))
    edit = KeywordEdit(keyword.id, _phrase(params, keyword.keyword), params.get_bool("whole_word"))
    updated = await state(request).services.filters.update(viewer.account.id, found, fields, [edit])
    return JSONResponse(_entity(updated, keyword.id))


async def delete(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found, keyword = await _find(request, viewer)
    await state(request).services.filters.drop_keyword(viewer.account.id, found, keyword)
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/filters", index, methods=["GET"]),
        Route("/api/v1/filters", create, methods=["POST"]),
        Route("/api/v1/filters/{id}", show, methods=["GET"]),
        Route("/api/v1/filters/{id}", update, methods=["PUT", "PATCH"]),
        Route("/api/v1/filters/{id}", delete, methods=["DELETE"]),
    ]
