"""A stored media object as the response that sends it, the same on every media store.

A local file goes out as a ``FileResponse`` (streamed from disk, with ``Range``, ``ETag`` and
``Last-Modified``); an object read from a bucket goes out as its bytes, with an ``ETag`` of its
digest. Both carry the caller's headers (caching, ``nosniff``) and the type the service named,
and a ``HEAD`` gets the headers alone. The bucket is never named: no redirect, no presigned URL,
so a client only ever learns our own capability or public URL (docs/media-storage.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from server.media.store import StoredObject, digest


def stored_response(request: Request, stored: StoredObject, media_type: str, headers: Mapping[str, str]) -> Response:
    if stored.path is not None:
        return FileResponse(stored.path, media_type=media_type, headers=dict(headers))
    body = stored.body or b""
    etag = f'"{digest(body)[:32]}"'
    sent = {**headers, "ETag": etag, "Content-Length": str(len(body))}
    if request.method == "HEAD":
        return Response(media_type=media_type, headers=sent)
    return Response(body, media_type=media_type, headers=sent)
