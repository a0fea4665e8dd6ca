"""A real uvicorn server in the test's own event loop, for streams (ASGITransport buffers whole bodies).

Running in the same loop keeps the app's state (storage, event bus)
reachable from the test, unlike ``tests/integration``'s threaded server.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from starlette.applications import Starlette

START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def live(app: Starlette, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` on loopback; yields its base URL (``http://127.0.0.1:<port>``)."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(START_TIMEOUT):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the live server stopped before it started")
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class SseReader:
    """Reads ``text/event-stream`` frames: (event, data) tuples, or ("comment", text)."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next_frame(self, timeout: float = 5.0) -> tuple[str, str]:
        event, data = "", ""
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line.startswith(":"):
                    return "comment", line[1:]
                if line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: "):
                    data = line[len("data: "):]
                elif line == "" and event:
                    return event, data
        raise EOFError("the stream ended")

    async def opened(self) -> None:
        """Wait for the opening comment: from then on the stream is subscribed."""
        assert await self.next_frame() == ("comment", ")")

    async def next_event(self, timeout: float = 5.0) -> tuple[str, str]:
        """The next real event, skipping comments (the opening ``:)`` and heartbeats)."""
        while True:
            kind, data = await self.next_frame(timeout)
            if kind != "comment":
                return kind, data


def payload_of(data: str) -> dict[str, object]:
    document = json.loads(data)
    assert isinstance(document, dict)
    return document
