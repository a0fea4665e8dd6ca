"""The edge's media response: a file removed between the service's look and the send is a 404, not a 500."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.edge.files import stored_response
from server.errors import exception_handlers
from server.media.store import StoredObject

pytestmark = pytest.mark.anyio


def _app(path: Path) -> Starlette:
    async def serve(request: Request) -> Response:
        stored = StoredObject("media/x/original.jpg", 4, path=path)
        path.unlink(missing_ok=True)  # the deletion worker, right after the service found the file
        return stored_response(request, stored, "image/jpeg", {"X-Content-Type-Options": "nosniff"})

    return Starlette(routes=[Route("/m", serve, methods=["GET", "HEAD"])], exception_handlers=exception_handlers())


async def test_a_file_removed_before_the_send_is_a_404(tmp_path: Path) -> None:
    file = tmp_path / "original.jpg"
    file.write_bytes(b"jpeg")
    transport = httpx.ASGITransport(app=_app(file), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/m")
        head = await client.head("/m")

    assert answer.status_code == 404 and head.status_code == 404
    assert str(tmp_path) not in answer.text


async def test_a_file_still_there_is_sent_with_its_headers(tmp_path: Path) -> None:
    file = tmp_path / "original.jpg"

    async def serve(request: Request) -> Response:
        file.write_bytes(b"jpeg")
        return stored_response(request, StoredObject("media/x/original.jpg", 4, path=file), "image/jpeg",
                               {"X-Content-Type-Options": "nosniff"})

    app = Starlette(routes=[Route("/m", serve)], exception_handlers=exception_handlers())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/m", headers={"Range": "bytes=1-2"})

    assert answer.status_code == 206 and answer.content == b"pe"
    assert answer.headers["content-type"] == "image/jpeg" and answer.headers["x-content-type-options"] == "nosniff"
