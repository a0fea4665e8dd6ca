"""``/api/v1/conversations``: direct statuses the viewer takes part in, one conversation per thread.

Nothing is fanned out for them: the list is a query over direct statuses
through the one visibility rule. The conversation id is the thread's id;
only read and removed marks are stored.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import NotFound
from server.mastodon.auth import Viewer, require_user
from server.mastodon.common import page_of, paged, path_id, state
from server.mastodon.params import read_params
from storage.curation import Conversation


async def _entities(request: Request, viewer: Viewer, conversations: list[Conversation]) -> list[dict[str, Any]]:
    app = state(request)
    statuses = await app.storage.statuses.get_many([c.last_status_id for c in conversations])
    rendered = await app.presenter.statuses(
        [statuses[c.last_status_id] for c in conversations if c.last_status_id in statuses], viewer.account
    )
    by_id = {int(entity["id"]): entity for entity in rendered}
    result = []
    for conversation in conversations:
        accounts = [a for a in [await app.storage.accounts.get(i) for i in conversation.participant_ids] if a]
        result.append({
            "id": str(conversation.id),
            "unread": conversation.unread,
            "accounts": await app.presenter.accounts(accounts),
            "last_status": by_id.get(conversation.last_status_id),
        })
    return result


async def _owned(request: Request, viewer: Viewer) -> Conversation:
    found = await state(request).storage.conversations.get(viewer.reader, path_id(request))
    if found is None:
        raise NotFound()
    return found


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    page = page_of(await read_params(request))
    found = list(await state(request).storage.conversations.listed(viewer.reader, page))
    return paged(request, await _entities(request, viewer, found), [c.last_status_id for c in found])


async def read(request: Request) -> Response:
    viewer = await require_user(request, "write:conversations")
    found = await _owned(request, viewer)
    await state(request).storage.conversations.mark_read(viewer.account.id, found.id, found.last_status_id)
    marked = Conversation(found.id, found.last_status_id, found.participant_ids, unread=False)
    return JSONResponse((await _entities(request, viewer, [marked]))[0])


async def remove(request: Request) -> Response:
    viewer = await require_user(request, "write:conversations")
    found = await _owned(request, viewer)
    await state(request).storage.conversations.remove(viewer.account.id, found.id, found.last_status_id)
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/conversations", index, methods=["GET"]),
        Route("/api/v1/conversations/{id}/read", read, methods=["POST"]),
        Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
    ]
