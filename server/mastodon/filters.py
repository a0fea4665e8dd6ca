"""Filters v2: ``/api/v2/filters`` with their keywords and statuses.

The work is ``FilterService``'s: every change tells the owner's streams
``filters_changed``, so open clients reload them, and another account's
filter, keyword or status entry answers exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import state
from server.present.entities.filter import filter_entity, filter_keyword_entity, filter_status_entity
from storage.clock import utcnow
from storage.curation import FILTER_CONTEXTS, Filter, FilterAction, FilterFields, FilterKeyword, KeywordEdit


def parse_context(params: Params, default: Sequence[str] | None) -> tuple[str, ...]:
    if "context" not in params and default is not None:
        return tuple(default)
    context = tuple(dict.fromkeys(params.get_str_list("context")))
    if not context:
        raise InvalidInput("Validation failed: Context can't be blank")
    unknown = [c for c in context if c not in FILTER_CONTEXTS]
    if unknown:
        raise InvalidInput(f"Validation failed: Context '{unknown[0]}' is not a valid context")
    return context


def parse_expiry(params: Params, default: datetime | None) -> datetime | None:
    if "expires_in" not in params:
        return default
    if params.get_str("expires_in") in ("", None):
        return None
    seconds = params.get_int("expires_in", minimum=1)
    if seconds is None:  # present and not blank, so never None; kept for the type
        raise InvalidInput("expires_in must be a number of seconds")
    return utcnow() + timedelta(seconds=seconds)


def parse_action(params: Params, default: FilterAction) -> FilterAction:
    value = params.get_str("filter_action")
    if value is None or value == "":
        return default
    try:
        return FilterAction(value)
    except ValueError:
        raise InvalidInput(f"'{value}' is not a valid filter_action") from None


def parse_fields(params: Params, current: Filter | None) -> FilterFields:
    title = params.get_str("title", current.title if current else None)
    if title is None or not title.strip():
        raise InvalidInput("Validation failed: Title can't be blank")
    return FilterFields(
        title=title.strip(),
        context=parse_context(params, current.context if current else None),
        filter_action=parse_action(params, current.filter_action if current else FilterAction.WARN),
        expires_at=parse_expiry(params, current.expires_at if current else None),
    )


def keyword_edits(params: Params) -> list[KeywordEdit]:
    edits = []
    for item in params.get_indexed("keywords_attributes"):
        keyword = item.get_str("keyword")
        edit = KeywordEdit(
            id=item.get_id("id"), keyword=keyword.strip() if keyword else None,
            whole_word=item.get_bool("whole_word"), destroy=bool(item.get_bool("_destroy", False)),
        )
        if edit.id is None and not edit.destroy and not edit.keyword:
            raise InvalidInput("Validation failed: Keywords keyword can't be blank")
        edits.append(edit)
    return edits


async def _owned(request: Request, viewer: Viewer, name: str = "id") -> Filter:
    return await state(request).services.filters.get(viewer.account.id, path_id(request, name))


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    return JSONResponse([filter_entity(f) for f in await state(request).services.filters.owned(viewer.account.id)])


async def create(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    params = await read_params(request)
    fields = parse_fields(params, None)
    keywords = [(e.keyword, True if e.whole_word is None else e.whole_word)
                for e in keyword_edits(params) if e.keyword and not e.destroy]
    created = await state(request).services.filters.create(viewer.account.id, fields, keywords)
    return JSONResponse(filter_entity(created))


async def show(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    return JSONResponse(filter_entity(await _owned(request, viewer)))


async def update(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found = await _owned(request, viewer)
    params = await read_params(request)
    updated = await state(request).services.filters.update(
        viewer.account.id, found, parse_fields(params, found), keyword_edits(params)
    )
    return JSONResponse(filter_entity(updated))


async def delete(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found = await _owned(request, viewer)
    await state(request).services.filters.delete(viewer.account.id, found)
    return JSONResponse({})


async def keywords(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    found = await _owned(request, viewer, "filter_id")
    return JSONResponse([filter_keyword_entity(k) for k in found.keywords])


def _keyword_text(params: Params, default: str | None = None) -> str:
    keyword = params.get_str("keyword", default)
    if keyword is None or not keyword.strip():
        raise InvalidInput("Validation failed: Keyword can't be blank")
    return keyword.strip()


async def add_keyword(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found = await _owned(request, viewer, "filter_id")
    params = await read_params(request)
    keyword = await state(request).services.filters.add_keyword(
        viewer.account.id, found, _keyword_text(params), bool(params.get_bool("whole_word", True))
    )
    return JSONResponse(filter_keyword_entity(keyword))


async def _keyword(request: Request, viewer: Viewer) -> FilterKeyword:
    return await state(request).services.filters.keyword(viewer.account.id, path_id(request))


async def show_keyword(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    return JSONResponse(filter_keyword_entity(await _keyword(request, viewer)))


async def update_keyword(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    keyword = await _keyword(request, viewer)
    params = await read_params(request)
    updated = await state(request).services.filters.update_keyword(
        viewer.account.id, keyword, _keyword_text(params, keyword.keyword),
        bool(params.get_bool("whole_word", keyword.whole_word)),
    )
    return JSONResponse(filter_keyword_entity(updated))


async def delete_keyword(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    keyword = await _keyword(request, viewer)
    await state(request).services.filters.delete_keyword(viewer.account.id, keyword)
    return JSONResponse({})


async def statuses(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    found = await _owned(request, viewer, "filter_id")
    return JSONResponse([filter_status_entity(s) for s in found.statuses])


async def add_status(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    found = await _owned(request, viewer, "filter_id")
    status_id = (await read_params(request)).get_id("status_id")
    entry = await state(request).services.filters.add_status(viewer.account.id, viewer.reader, found, status_id)
    return JSONResponse(filter_status_entity(entry))


async def show_status(request: Request) -> Response:
    viewer = await require_user(request, "read:filters")
    entry = await state(request).services.filters.status_entry(viewer.account.id, path_id(request))
    return JSONResponse(filter_status_entity(entry))


async def delete_status(request: Request) -> Response:
    viewer = await require_user(request, "write:filters")
    filters = state(request).services.filters
    await filters.delete_status(viewer.account.id, await filters.status_entry(viewer.account.id, path_id(request)))
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v2/filters", index, methods=["GET"]),
        Route("/api/v2/filters", create, methods=["POST"]),
        Route("/api/v2/filters/keywords/{id}", show_keyword, methods=["GET"]),
        Route("/api/v2/filters/keywords/{id}", update_keyword, methods=["PUT", "PATCH"]),
        Route("/api/v2/filters/keywords/{id}", delete_keyword, methods=["DELETE"]),
        Route("/api/v2/filters/statuses/{id}", show_status, methods=["GET"]),
        Route("/api/v2/filters/statuses/{id}", delete_status, methods=["DELETE"]),
        Route("/api/v2/filters/{filter_id}/keywords", keywords, methods=["GET"]),
        Route("/api/v2/filters/{filter_id}/keywords", add_keyword, methods=["POST"]),
        Route("/api/v2/filters/{filter_id}/statuses", statuses, methods=["GET"]),
        Route("/api/v2/filters/{filter_id}/statuses", add_status, methods=["POST"]),
        Route("/api/v2/filters/{id}", show, methods=["GET"]),
        Route("/api/v2/filters/{id}", update, methods=["PUT", "PATCH"]),
        Route("/api/v2/filters/{id}", delete, methods=["DELETE"]),
    ]
