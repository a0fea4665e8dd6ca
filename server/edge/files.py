"""A stored media object as the response that sends it, the same on every media store.

A local file goes out as a ``FileResponse`` (streamed from disk, with ``Range``, ``ETag`` and
``Last-Modified``); an object read from a bucket goes out as its bytes, with an ``ETag`` of its
digest. Both carry the caller's headers (caching, ``nosniff``) and the type the service named,
and a ``HEAD`` gets the headers alone. The bucket is never named: no redirect, no presigned URL,
so a client only ever learns our own capability or public URL (docs/media-storage.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from activitypub.errors import NotFound
from server.media.store import StoredObject, digest


class _LocalFile(FileResponse):
    """A file the deletion queue may remove between the service's look and the send: gone by then is
    the same 404 as never there, raised before anything is sent, not Starlette's RuntimeError (a 500)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            found = await anyio.to_thread.run_sync(os.stat, self.path)
        except FileNotFoundError:
            raise NotFound() from None
        self.stat_result = found
        self.set_stat_headers(found)
        await super().__call__(scope, receive, send)


def stored_response(request: Request, stored: StoredObject, media_type: str, headers: Mapping[str, str]) -> Response:
    if stored.path is not None:
        return _LocalFile(stored.path, media_type=media_type, headers=dict(headers))
    body = stored.body or b""
    etag = f'"{digest(body)[:32]}"'
    sent = {**headers, "ETag": etag, "Content-Length": str(len(body))}
    if request.method == "HEAD":
        return Response(media_type=media_type, headers=sent)
    return Response(body, media_type=media_type, headers=sent)
