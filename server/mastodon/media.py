"""``/api/v1/media``, ``/api/v2/media`` and the capability URLs that serve the files.

Images are processed while the client waits (in a thread), so an upload
answers 200 with its URLs, never 202 with ``url: null``. Files are served at
``/media/<token>/<name>`` with no authentication, because clients load
images with plain GETs: the 192-bit token is the permission. There is no
path by id, and an unknown token answers exactly like any other 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import InvalidInput
from server.edge.files import stored_response
from server.edge.params import path_id, read_params
from server.mastodon.auth import require_user
from server.mastodon.common import state
from server.present.entities.media import media_entity
from server.services.media import too_large

MULTIPART_SLACK = 1024 * 1024  # the other fields of an upload form
FILE_HEADERS = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}


def _refuse_oversized_body(request: Request, limit: int) -> None:
    """Refuse by Content-Length before the body is read and spooled."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + MULTIPART_SLACK:
        raise too_large(limit)


async def upload_media(request: Request) -> Response:
    viewer = await require_user(request, "write:media")
    app = state(request)
    limit = app.services.media.max_bytes
    _refuse_oversized_body(request, limit)
    params = await read_params(request)
    try:
        upload = params.get_file("file")
        if upload is None:
            raise InvalidInput("Validation failed: File can't be blank")
        if upload.size is not None and upload.size > limit:
            raise too_large(limit)
        data = await upload.read(limit + 1)
        declared = upload.content_type
    finally:
        await params.aclose()
    # ``thumbnail`` is accepted and ignored: Mastodon uses it only for video and audio, which we refuse.
    media = await app.services.media.upload(
        viewer.account, data, declared_type=declared, description=params.get_str("description"),
        focus=params.get_str("focus"),
    )
    return JSONResponse(media_entity(media, base_url=app.settings.base_url))


async def show_media(request: Request) -> Response:
    viewer = await require_user(request, "write:media")
    app = state(request)
    media = await app.services.media.own(viewer.account, path_id(request), reader=viewer.reader)
    return JSONResponse(media_entity(media, base_url=app.settings.base_url))


async def update_media(request: Request) -> Response:
    viewer = await require_user(request, "write:media")
    app = state(request)
    params = await read_params(request)
    await params.aclose()
    media = await app.services.media.update(
        viewer.account, path_id(request), description=params.get_str("description"), focus=params.get_str("focus")
    )
    return JSONResponse(media_entity(media, base_url=app.settings.base_url))


async def delete_media(request: Request) -> Response:
    viewer = await require_user(request, "write:media")
    await state(request).services.media.delete(viewer.account, path_id(request))
    return JSONResponse({})


async def media_file(request: Request) -> Response:
    stored = await state(request).services.media.file(request.path_params["token"], request.path_params["name"])
    return stored_response(request, stored.content, stored.media_type, FILE_HEADERS)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/media", upload_media, methods=["POST"]),
        Route("/api/v2/media", upload_media, methods=["POST"]),
        Route("/api/v1/media/{id}", show_media, methods=["GET"]),
        Route("/api/v1/media/{id}", update_media, methods=["PUT"]),
        Route("/api/v1/media/{id}", delete_media, methods=["DELETE"]),
        Route("/media/{token}/{name}", media_file, methods=["GET", "HEAD"]),
    ]
