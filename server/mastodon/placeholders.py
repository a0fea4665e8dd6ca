"""The default avatar and header Mastodon clients load for accounts without their own.

Mastodon serves these at ``/avatars/original/missing.png`` and
``/headers/original/missing.png``; clients show whatever the URL returns.
The images are plain grey PNGs built on first use (no files to ship).
"""

from __future__ import annotations

import struct
import zlib
from functools import cache
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.present.entities.account import MISSING_AVATAR_PATH, MISSING_HEADER_PATH

_GREY: Final = (0xD9, 0xE1, 0xE8)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@cache
def solid_png(width: int, height: int, rgb: tuple[int, int, int] = _GREY) -> bytes:
    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


async def missing_avatar(request: Request) -> Response:
    return _png(solid_png(400, 400))


async def missing_header(request: Request) -> Response:
    return _png(solid_png(1500, 500))


def routes() -> list[BaseRoute]:
    return [
        Route(MISSING_AVATAR_PATH, missing_avatar, methods=["GET", "HEAD"]),
        Route(MISSING_HEADER_PATH, missing_header, methods=["GET", "HEAD"]),
    ]
