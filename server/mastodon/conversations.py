"""``/api/v1/conversations``: direct statuses the viewer takes part in, one conversation per thread.

The list is ``ConversationService``'s query over direct statuses through
the one visibility rule; the conversation id is the thread's id.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.edge.pagination import page_of
from server.edge.params import path_id, read_params
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import paged, state
from storage.curation import Conversation


async def _entities(request: Request, viewer: Viewer, conversations: list[Conversation]) -> list[dict[str, Any]]:
    app = state(request)
    return await app.presenter.conversations(await app.services.conversations.details(conversations), viewer.account)


async def _owned(request: Request, viewer: Viewer) -> Conversation:
    return await state(request).services.conversations.get(viewer.reader, path_id(request))


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    page = page_of(await read_params(request))
    found = await state(request).services.conversations.listed(viewer.reader, page)
    return paged(request, await _entities(request, viewer, found), [c.last_status_id for c in found])


async def read(request: Request) -> Response:
    viewer = await require_user(request, "write:conversations")
    found = await _owned(request, viewer)
    marked = await state(request).services.conversations.mark_read(viewer.account.id, found)
    return JSONResponse((await _entities(request, viewer, [marked]))[0])


async def remove(request: Request) -> Response:
    viewer = await require_user(request, "write:conversations")
    found = await _owned(request, viewer)
    await state(request).services.conversations.remove(viewer.account.id, found)
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/conversations", index, methods=["GET"]),
        Route("/api/v1/conversations/{id}/read", read, methods=["POST"]),
        Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
    ]
