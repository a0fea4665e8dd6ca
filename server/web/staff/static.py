"""``/static/app.css`` and ``/static/app.js``: the web app's two files, shipped in the package.

Read once, served with a content hash as ETag; nothing else under
``/static/`` exists, so no path from the request reaches the file system.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from activitypub.errors import NotFound

FILES: Final = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}


@cache
def _read(name: str) -> tuple[bytes, str]:
    body = files("server.web.staff").joinpath(f"static/{name}").read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        raise NotFound()
    body, etag = _read(name)
    headers = {"Cache-Control": "public, max-age=300", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=FILES[name], headers=headers)
