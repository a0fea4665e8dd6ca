"""Avatar and header files under the data directory, at unguessable capability paths.

A file lives at ``accounts/<token>/<kind>.<ext>`` where ``token`` is 128
random bits, never derived from an id, so guessing by account gives nothing.
Each upload gets a fresh token and the replaced file is deleted, so an old
URL stops working. Images arrive already re-encoded by ``server.media``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
from pathlib import Path
from typing import Final

ROOT: Final = "accounts"
KINDS: Final = ("avatar", "header")
EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
MEDIA_TYPES: Final = {extension: mime for mime, extension in EXTENSIONS.items()}
_TOKEN = re.compile(r"\A[0-9a-f]{32}\Z")
_NAME = re.compile(r"\A(avatar|header)\.(jpg|png|gif|webp)\Z")


class ProfileMedia:
    def __init__(self, data_dir: Path) -> None:
        self._root = data_dir / ROOT

    async def save(self, kind: str, data: bytes, mime: str) -> str:
        """Write the file; returns its path relative to the data directory."""
        if kind not in KINDS or mime not in EXTENSIONS:
            raise ValueError(f"cannot store {kind} as {mime}")
        token = secrets.token_hex(16)
        name = f"{kind}.{EXTENSIONS[mime]}"
        await asyncio.to_thread(self._write, self._root / token / name, data)
        return f"{ROOT}/{token}/{name}"

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)

    async def delete(self, relative: str | None) -> None:
        parts = _split(relative)
        if parts is not None:
            await asyncio.to_thread(shutil.rmtree, self._root / parts[0], True)

    def resolve(self, token: str, name: str) -> Path | None:
        """The file for a request path, or None for anything that is not a stored file."""
        if not _TOKEN.match(token) or not _NAME.match(name):
            return None
        path = self._root / token / name
        return path if path.is_file() else None


def _split(relative: str | None) -> tuple[str, str] | None:
    if not relative:
        return None
    pieces = relative.split("/")
    if len(pieces) != 3 or pieces[0] != ROOT or not _TOKEN.match(pieces[1]) or not _NAME.match(pieces[2]):
        return None
    return pieces[1], pieces[2]


def media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[1]]
