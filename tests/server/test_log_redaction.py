"""No credential reaches a log line, whoever writes it: our access log, uvicorn, an exception.

Given the server's own log configuration and a real uvicorn serving the app,
when a client opens the streaming WebSocket with ``access_token`` in the
query (as Mastodon clients do) or offers it as the subprotocol, then the
handshake lines uvicorn writes carry no token.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.logs import configure_logging, redact
from server.mastodon.auth import digest_token, new_token
from tests.server.api.live import free_port
from tests.server.helpers import app_for, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    logging.getLogger("uvicorn.access").disabled = False


async def test_a_token_in_a_websocket_query_or_subprotocol_never_reaches_the_log(
    tmp_path: Path, log_lines: io.StringIO
) -> None:
    app = app_for(settings_for(tmp_path))
    port = free_port()
    # log_config=None keeps the server's own configuration, as ``insideout serve`` does.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="info",
                                           lifespan="on", timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        storage = app.state.insideout.storage
        valid = new_token()
        alice = await app.state.insideout.services.accounts.create_employee("alice", "a@example.com", "long password x")
        await storage.tokens.create_access_token(digest_token(valid), alice.account.id, None, ["read"])
        url = f"ws://127.0.0.1:{port}/api/v1/streaming"
        async with connect(f"{url}?access_token={valid}&stream=user"):
            pass
        async with connect(f"{url}?stream=user", subprotocols=[valid]):  # type: ignore[list-item]
            pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{url}?access_token=WRONGxTOKEN&stream=user"):
                pass
    finally:
        server.should_exit = True
        await task
    text = log_lines.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any("WebSocket" in line["message"] for line in lines), text[:2000]
    assert valid not in text
    assert "WRONGxTOKEN" not in text


@pytest.mark.parametrize("secret_text", [
    "GET /api/v1/streaming?stream=user&access_token=S3CRET",
    "POST /oauth/token code=S3CRET&client_secret=S3CRET",
    "Authorization: Bearer S3CRET",
    "headers {'sec-websocket-protocol': 'S3CRET'}",
])
def test_every_credential_shape_is_redacted(secret_text: str) -> None:
    assert "S3CRET" not in redact(secret_text)
