"""Real apps on temporary SQLite databases, driven over ASGI with their real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette

from server.app import create_app
from server.config import Settings, load_settings
from server.http_client import outbound_client
from server.workers import Worker
from storage import open_storage
from tests.backends import fresh_database
from tests.s3_server import media_store_environ


def settings_for(tmp_path: Path, **environ: str) -> Settings:
    env = {
        "INSIDEOUT_STORAGE_DATA_DIR": str(tmp_path / "data"),
        "INSIDEOUT_STORAGE_DATABASE": fresh_database(tmp_path),
        **media_store_environ(tmp_path),
    }
    env.update(environ)
    return load_settings(None, environ=env)


def app_for(
    settings: Settings, remote: httpx.AsyncBaseTransport | None = None, *, workers: Sequence[Worker] = ()
) -> Starlette:
    """No background workers unless given: tests drive them with ``run_once()``."""
    return create_app(
        settings, open_storage(settings.storage.database), outbound_client(settings, remote), workers=workers
    )


@asynccontextmanager
async def serving(app: Starlette, client_address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan and give a client that talks to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def staff_token(app: Starlette, username: str, *, scopes: str = "read write follow push", role: str = "staff") -> str:
    """Create an employee in a running app and hand back a bearer token for it."""
    from server.mastodon.auth import digest_token, new_token
    from storage.models import Role

    app_state = app.state.insideout
    employee = await app_state.services.accounts.create_employee(
        username, f"{username}@example.com", "long enough password", role=Role(role)
    )
    token = new_token()
    await app_state.storage.tokens.create_access_token(digest_token(token), employee.account.id, None, scopes.split())
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
