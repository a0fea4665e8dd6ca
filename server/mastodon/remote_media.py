"""``/media/proxy/<token>/<size>`` (remote files, fetched and cached by us) and ``/media/public/<token>/<name>``.

Both answer plain GETs without a token, like ``/media/<token>/<name>``: the
192-bit path token is the permission. A proxy URL is what clients load
instead of a partner's URL, so staff addresses never reach partners. A
public URL is the one a published Note names; it answers 410 once the
status is retracted, while the staff's capability URL keeps working.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.errors import ConfigError
from server.edge.files import stored_response
from server.mastodon.common import state
from server.services.remote_media import RemoteMediaCache
from server.state import AppState

PROXY_HEADERS = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
# Short, so that a retraction's 410 reaches outsiders' caches soon.
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}


def media_cache_for(app: Starlette) -> RemoteMediaCache:
    """The app's one cache: the proxy route and the prefetch worker share its per-file locks."""
    app_state: AppState = app.state.insideout
    cache = app_state.services.remote_media
    if cache is None:
        raise ConfigError(detail="the media proxy needs an outbound client to fetch remote files")
    return cache


async def proxy_file(request: Request) -> Response:
    cache = media_cache_for(request.app)
    stored = await cache.file(request.path_params["token"], request.path_params["size"])
    return stored_response(request, stored.content, stored.media_type, PROXY_HEADERS)


async def public_file(request: Request) -> Response:
    stored = await state(request).services.public_media.file(request.path_params["token"], request.path_params["name"])
    return stored_response(request, stored.content, stored.media_type, PUBLIC_HEADERS)


def routes() -> list[BaseRoute]:
    return [
        Route("/media/proxy/{token}/{size}", proxy_file, methods=["GET", "HEAD"]),
        Route("/media/public/{token}/{name}", public_file, methods=["GET", "HEAD"]),
    ]
