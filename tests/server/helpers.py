"""Real apps on temporary SQLite databases, driven over ASGI with their real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette

from server.app import create_app
from server.config import Settings, load_settings
from server.outbound import outbound_client
from storage import open_storage


def settings_for(tmp_path: Path, **environ: str) -> Settings:
    env = {
        "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "INSIDEOUT_STORAGE_DATABASE": str(tmp_path / "data" / "insideout.sqlite3"),
    }
    env.update(environ)
    return load_settings(None, environ=env)


def app_for(settings: Settings, remote: httpx.AsyncBaseTransport | None = None) -> Starlette:
    return create_app(settings, open_storage(settings.storage.database), outbound_client(settings, remote))


@asynccontextmanager
async def serving(app: Starlette, client_address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan and give a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
