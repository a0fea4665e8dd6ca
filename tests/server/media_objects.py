"""What an app's media store holds, read through the store itself: the same assertions on every store."""

from __future__ import annotations

from starlette.applications import Starlette

from server.media.store import PREFIXES, MediaStore
from server.services.media_removals import MediaDeletionWorker


def media_store(app: Starlette) -> MediaStore:
    store: MediaStore = app.state.insideout.services.media_store
    return store


async def stored_keys(app: Starlette, prefix: str = "media/") -> list[str]:
    """Every key under ``prefix`` (one of ``PREFIXES``), sorted."""
    return sorted([info.key async for info in media_store(app).keys(prefix)])


async def every_stored_key(app: Starlette) -> list[str]:
    return [key for prefix in PREFIXES for key in await stored_keys(app, prefix)]


async def stored_bytes(app: Starlette, key: str) -> bytes | None:
    return await media_store(app).read(key)


async def run_removals(app: Starlette) -> int:
    """Drain the stored removal queue once, as the ``media`` worker would."""
    state = app.state.insideout
    worker = MediaDeletionWorker(state.storage, state.services.media_store)
    removed: int = await worker.run_once()
    return removed
