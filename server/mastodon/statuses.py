"""``/api/v1/statuses``: post, read, edit, delete, and act on statuses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.pagination import ACCOUNTS_LIMITS, page_of
from server.edge.params import Params, path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import paged, state
from server.mastodon.polls import attachment_extra
from server.mastodon.scheduled import schedule_if_asked
from server.present.entities.media import media_entity
from server.present.entities.status import status_edit_entity
from server.services.status_draft import MediaChange
from server.services.statuses import StatusDraft
from storage.models import Visibility
from storage.profiles import Preferences

VISIBILITY_ALIASES = {"local": Visibility.PUBLIC}
# Mastodon's cap on ``GET /api/v1/statuses?id[]=`` (and ``/api/v1/accounts?id[]=``).
MANY_LIMIT = 40
QUOTES_REFUSED = "Validation failed: Quoting posts is not available on this server"


def parse_visibility(params: Params, default: Visibility = Visibility.PUBLIC) -> Visibility:
    """The four Mastodon visibilities; ``local`` (and ``local_only``) are accepted since every post starts inside."""
    raw = params.get_str("visibility")
    if raw is None or raw == "":
        return default
    if raw in VISIBILITY_ALIASES:
        return VISIBILITY_ALIASES[raw]
    try:
        return Visibility(raw)
    except ValueError:
        raise InvalidInput(
            f"Validation failed: Visibility {raw!r} is not one of public, unlisted, private, direct"
        ) from None


def draft_from(
    params: Params, request: Request, application_id: int | None, defaults: Preferences = Preferences()
) -> StatusDraft:
    """``defaults`` are the author's posting preferences, used for what the client left out."""
    if params.get_str("quoted_status_id"):
        raise InvalidInput(QUOTES_REFUSED)
    language = params.get_str("language") or defaults.language
    return StatusDraft(
        text=params.get_str("status", "") or "",
        visibility=parse_visibility(params, defaults.visibility),
        spoiler_text=params.get_str("spoiler_text", "") or "",
        sensitive=bool(params.get_bool("sensitive", defaults.sensitive)),
        language=language.lower() if language else None,
        in_reply_to_id=params.get_id("in_reply_to_id"),
        media_ids=tuple(params.get_id_list("media_ids")),
        application_id=application_id,
        idempotency_key=request.headers.get("idempotency-key") or None,
        extra=attachment_extra(params),
    )


def media_changes_of(params: Params) -> tuple[MediaChange, ...]:
    """``media_attributes[][id]``, ``[description]``, ``[focus]`` of an edit (form or JSON); entries without an id
    are ignored, as Mastodon does."""
    changes = []
    for item in params.get_indexed("media_attributes"):
        media_id = item.get_id("id")
        if media_id is not None:
            changes.append(MediaChange(media_id, item.get_str("description"), item.get_str("focus") or None))
    return tuple(changes)


async def create_status(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    services = state(request).services
    defaults = await services.statuses.posting_preferences(viewer.account)
    draft = draft_from(params, request, viewer.application_id, defaults)
    if (scheduled := await schedule_if_asked(request, params, viewer, draft)) is not None:
        return scheduled
    status = await services.statuses.create(viewer.account, draft, reader=viewer.reader)
    status = await services.auto_publish.after_post(status, viewer.account, viewer.human)
    return JSONResponse(await state(request).presenter.status(status, viewer.account))


async def show_statuses(request: Request) -> Response:
    """``GET /api/v1/statuses?id[]=``: those the viewer may see, in the order asked; the rest left out."""
    viewer = await require_user(request, "read:statuses")
    ids = (await read_params(request)).get_id_list("id")[:MANY_LIMIT]
    found = await state(request).services.statuses.visible_many(viewer.reader, ids)
    return JSONResponse(await state(request).presenter.statuses(found, viewer.account))


async def quotes(request: Request) -> Response:
    """Quote posts are not built, so a status the viewer may see has none (docs/client-compatibility.md)."""
    viewer = await require_user(request, "read:statuses")
    await state(request).services.statuses.visible(viewer.reader, path_id(request))
    return JSONResponse([])


async def show_status(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    services = state(request).services
    status = await services.statuses.visible(viewer.reader, path_id(request))
    return JSONResponse(await state(request).presenter.status(status, viewer.account))


async def edit_status(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    services = state(request).services
    current = await services.statuses.visible(viewer.reader, path_id(request))
    # An edit keeps the audience and the thread; clients send only what they may change.
    draft = replace(draft_from(params, request, viewer.application_id), visibility=current.visibility,
                    in_reply_to_id=None, media_changes=media_changes_of(params))
    status = await services.statuses.edit(viewer.account, current.id, draft, reader=viewer.reader)
    return JSONResponse(await state(request).presenter.status(status, viewer.account))


async def delete_status(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    # Mastodon's delete_media: the media files go now; without it they wait a day for a redraft.
    delete_media = params.get_bool("delete_media", False) or False
    services = state(request).services
    status = await services.statuses.delete(viewer.account, path_id(request), reader=viewer.reader,
                                            delete_media=delete_media)
    entity = await state(request).presenter.status(status, viewer.account)
    entity["text"] = status.text  # for delete-and-redraft
    return JSONResponse(entity)


async def status_context(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    thread = await state(request).services.statuses.context(viewer.reader, path_id(request))
    presenter = state(request).presenter
    return JSONResponse({
        "ancestors": await presenter.statuses(thread.ancestors, viewer.account, context="thread"),
        "descendants": await presenter.statuses(thread.descendants, viewer.account, context="thread"),
    })


async def status_history(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    statuses = state(request).services.statuses
    history = await statuses.history(await statuses.visible(viewer.reader, path_id(request)))
    account = await state(request).presenter.account(history.author)
    base_url = state(request).settings.base_url
    return JSONResponse([
        status_edit_entity(edit, account, [
            media_entity(replace(history.media[media_id], description=description), base_url=base_url)
            for media_id, description in edit.media or () if media_id in history.media
        ])
        for edit in history.edits
    ])


async def status_source(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    status = await state(request).services.statuses.visible(viewer.reader, path_id(request))
    return JSONResponse({"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text})


async def favourited_by(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    app = state(request)
    status = await app.services.statuses.visible(viewer.reader, path_id(request))
    page = page_of(await read_params(request), ACCOUNTS_LIMITS)
    rows = await app.services.statuses.favourited_by(status, page)
    return paged(request, await app.presenter.accounts([a for _, a in rows]), [i for i, _ in rows])


async def reblogged_by(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    app = state(request)
    status = await app.services.statuses.visible(viewer.reader, path_id(request))
    return JSONResponse(await app.presenter.accounts(await app.services.statuses.reblogged_by(status)))


def _action(method: str, scope: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        viewer = await require_user(request, scope)
        app = state(request)
        status_id, account, reader = path_id(request), viewer.account, viewer.reader
        interactions, statuses = app.services.interactions, app.services.statuses
        actions = {
            "favourite": lambda: interactions.favourite(account, status_id, reader=reader),
            "unfavourite": lambda: interactions.unfavourite(account, status_id, reader=reader),
            "bookmark": lambda: interactions.bookmark(account, status_id, reader=reader),
            "unbookmark": lambda: interactions.bookmark(account, status_id, on=False, reader=reader),
            "pin": lambda: interactions.pin(account, status_id, reader=reader),
            "unpin": lambda: interactions.pin(account, status_id, on=False, reader=reader),
            "mute": lambda: interactions.mute_thread(account, status_id, reader=reader),
            "unmute": lambda: interactions.mute_thread(account, status_id, on=False, reader=reader),
            "unreblog": lambda: statuses.unreblog(account, status_id, reader=reader),
        }
        status = await actions[method]()
        return JSONResponse(await app.presenter.status(status, viewer.account))

    return handler


async def reblog(request: Request) -> Response:
    viewer = await require_user(request, "write:statuses")
    params = await read_params(request)
    services = state(request).services
    boost = await services.statuses.reblog(viewer.account, path_id(request), parse_visibility(params),
                                           reader=viewer.reader)
    return JSONResponse(await state(request).presenter.status(boost, viewer.account))


ACTIONS = {
    "favourite": "write:favourites", "unfavourite": "write:favourites", "bookmark": "write:bookmarks",
    "unbookmark": "write:bookmarks", "pin": "write:accounts", "unpin": "write:accounts",
    "mute": "write:mutes", "unmute": "write:mutes", "unreblog": "write:statuses",
}


def routes() -> list[BaseRoute]:
    base = "/api/v1/statuses"
    return [
        Route(base, create_status, methods=["POST"]),
        Route(base, show_statuses, methods=["GET"]),
        Route(base + "/{id}/quotes", quotes, methods=["GET"]),
        Route(base + "/{id}", show_status, methods=["GET"]),
        Route(base + "/{id}", edit_status, methods=["PUT"]),
        Route(base + "/{id}", delete_status, methods=["DELETE"]),
        Route(base + "/{id}/context", status_context, methods=["GET"]),
        Route(base + "/{id}/history", status_history, methods=["GET"]),
        Route(base + "/{id}/source", status_source, methods=["GET"]),
        Route(base + "/{id}/favourited_by", favourited_by, methods=["GET"]),
        Route(base + "/{id}/reblogged_by", reblogged_by, methods=["GET"]),
        Route(base + "/{id}/reblog", reblog, methods=["POST"]),
        *[Route(f"{base}/{{id}}/{name}", _action(name, scope), methods=["POST"]) for name, scope in ACTIONS.items()],
    ]
