"""``/api/v1/admin/insideout/...``: the review queue, publication decisions, revisions and the audit log.

Namespaced under ``insideout`` because Mastodon has no equivalent. Reading
needs ``admin:read``, deciding ``admin:write``, and either needs the right
role (checked by the services: publishers and admins, or a department's
publishers for posts addressed to that department; the audit log is for
admins). Nominating is the author's act, so ``write:statuses`` suffices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput, StorageError
from server.edge.dates import parse_datetime
from server.edge.pagination import STATUSES_LIMITS, page_of
from server.edge.params import Params, path_id, read_params
from server.edge.status_filters import status_filter
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from server.present.entities.review import audit_entity, queue_item_entity, revision_entity
from server.services.review_roles import Reviewer
from server.services.review_views import QueueEntry
from storage.review import OPEN_STATES, AuditFilter, ReviewState

Entity = dict[str, Any]
PREFIX = "/api/v1/admin/insideout"


async def _reviewer(request: Request, *scopes: str) -> tuple[Viewer, Reviewer]:
    viewer = await require_user(request, *scopes)
    # The human behind the token decides, even when the token acts as the company or a department.
    reviewer = await state(request).services.review_queries.reviewer(viewer.human, viewer.user.role)
    return viewer, replace(reviewer, label=viewer.actor)


async def _entries(request: Request, viewer: Viewer, entries: Sequence[QueueEntry]) -> list[Entity]:
    presenter = state(request).presenter
    statuses = await presenter.statuses([e.status for e in entries], viewer.account)
    result = []
    for entry, status in zip(entries, statuses):
        approved_id = entry.status.published_edit_id
        result.append(queue_item_entity(
            entry.item, status=status, account=status["account"],
            announcers=await presenter.accounts(list(entry.announcers)),
            revision=revision_entity(entry.revision, approved_id=approved_id),
            approved_revision=revision_entity(entry.approved, approved_id=approved_id) if entry.approved else None,
            diff=entry.diff,
        ))
    return result


def _states(params: Params) -> tuple[ReviewState, ...]:
    raw = params.get_str("state")
    if not raw or raw == "open":
        return OPEN_STATES
    try:
        return (ReviewState(raw),)
    except ValueError:
        raise InvalidInput(f"state must be open or one of {', '.join(s.value for s in ReviewState)}") from None


async def list_queue(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:read")
    params = await read_params(request)
    entries = await state(request).services.review_queries.queue(reviewer, page_of(params), _states(params))
    return paged(request, await _entries(request, viewer, entries), [e.item.id for e in entries])


async def show_queue_item(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:read")
    entry = await state(request).services.review_queries.item(reviewer, path_id(request))
    return JSONResponse((await _entries(request, viewer, [entry]))[0])


async def approve(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:write")
    params = await read_params(request)
    raw_at = params.get_str("scheduled_at")
    announcers = params.get_str_list("announcers") if "announcers" in params.data else None
    services = state(request).services
    item = await services.review.approve(
        reviewer, path_id(request), at=parse_datetime(raw_at, "scheduled_at") if raw_at else None,
        announcers=announcers, reason=params.get_str("reason"),
    )
    return await _item_response(request, viewer, reviewer, item.id)


async def decline(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:write")
    params = await read_params(request)
    item = await state(request).services.review.decline(reviewer, path_id(request), params.get_str("reason") or "")
    return await _item_response(request, viewer, reviewer, item.id)


async def _item_response(request: Request, viewer: Viewer, reviewer: Reviewer, item_id: int) -> Response:
    entry = await state(request).services.review_queries.item(reviewer, item_id)
    return JSONResponse((await _entries(request, viewer, [entry]))[0])


async def nominate(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses", "admin:write")
    services = state(request).services
    item = await services.review.nominate(viewer.account, path_id(request))
    entry = await services.review_queries.entry(item)
    if entry is None:
        raise StorageError(detail=f"review item {item.id} is not in the queue just after nominating")
    return JSONResponse((await _entries(request, viewer, [entry]))[0])


async def publish(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:write")
    params = await read_params(request)
    announcers = params.get_str_list("announcers") if "announcers" in params.data else None
    services = state(request).services
    status = await services.review.publish(reviewer, path_id(request), announcers=announcers,
                                           reason=params.get_str("reason"))
    return JSONResponse(await state(request).presenter.status(status, viewer.account))


async def unpublish(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:write")
    params = await read_params(request)
    services = state(request).services
    status = await services.review.unpublish(reviewer, path_id(request), reason=params.get_str("reason"))
    return JSONResponse(await state(request).presenter.status(status, viewer.account))


async def list_statuses(request: Request) -> Response:
    viewer, reviewer = await _reviewer(request, "admin:read")
    params = await read_params(request)
    services = state(request).services
    found = await services.review_queries.statuses(reviewer, await status_filter(request, params),
                                                   page_of(params, STATUSES_LIMITS))
    entities = await state(request).presenter.statuses(list(found), viewer.account)
    return paged(request, entities, [s.id for s in found])


async def revisions(request: Request) -> Response:
    _, reviewer = await _reviewer(request, "admin:read")
    history = await state(request).services.review_queries.revisions(reviewer, path_id(request))
    return JSONResponse({
        "id": str(history.status.id),
        "publication_state": history.status.publication_state.value,
        "approved_revision_id": str(history.approved_id) if history.approved_id else None,
        "revisions": [revision_entity(e, approved_id=history.approved_id) for e in history.edits],
        "diff": history.diff,
    })


async def audit(request: Request) -> Response:
    _, reviewer = await _reviewer(request, "admin:read")
    params = await read_params(request)
    since, until = params.get_str("since"), params.get_str("until")
    where = AuditFilter(
        status_id=params.get_id("status_id"), actor=params.get_str("actor"), action=params.get_str("action"),
        since=parse_datetime(since, "since") if since else None,
        until=parse_datetime(until, "until") if until else None,
    )
    entries = await state(request).services.review_queries.audit(reviewer, where, page_of(params, (40, 200)))
    return paged(request, [audit_entity(e) for e in entries], [e.id for e in entries])


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/queue", list_queue, methods=["GET"]),
        Route(f"{PREFIX}/queue/{{id}}", show_queue_item, methods=["GET"]),
        Route(f"{PREFIX}/queue/{{id}}/approve", approve, methods=["POST"]),
        Route(f"{PREFIX}/queue/{{id}}/decline", decline, methods=["POST"]),
        Route(f"{PREFIX}/statuses", list_statuses, methods=["GET"]),
        Route(f"{PREFIX}/statuses/{{id}}/nominate", nominate, methods=["POST"]),
        Route(f"{PREFIX}/statuses/{{id}}/publish", publish, methods=["POST"]),
        Route(f"{PREFIX}/statuses/{{id}}/unpublish", unpublish, methods=["POST"]),
        Route(f"{PREFIX}/statuses/{{id}}/revisions", revisions, methods=["GET"]),
        Route(f"{PREFIX}/audit", audit, methods=["GET"]),
    ]

