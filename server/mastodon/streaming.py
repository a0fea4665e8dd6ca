"""``/api/v1/streaming``: Mastodon's streaming API over server-sent events and WebSocket.

Unlike Mastodon, nothing streams anonymously (only ``/health`` answers
without a token): every channel, the public ones included, needs a staff
user's token. Messages, errors and statuses follow Mastodon's streaming
server: SSE writes ``event: <name>\\ndata: <payload>\\n\\n`` with a
``:thump`` comment as heartbeat; WebSocket sends
``{"stream": [...], "event": ..., "payload": "<JSON as a string>"}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from activitypub.errors import BadRequest, InsideoutError
from activitypub.json_reader import UntrustedJsonError, loads_untrusted
from server.mastodon.stream_auth import RawToken, StreamViewer, session_viewer, stream_viewer, token_from
from server.mastodon.stream_channels import SSE_PATHS, channel_name, first_param, resolve_channel
from server.mastodon.stream_render import render_cache
from server.mastodon.stream_session import Outgoing, StreamSession, streaming_options
from server.signin.sessions import session_cookie

if TYPE_CHECKING:
    from server.state import AppState

PREFIX: Final = "/api/v1/streaming"
SSE_HEADERS: Final = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx would otherwise hold events back in its buffer
}
BINARY_REFUSED: Final = "The mastodon streaming server does not support binary messages"
UNSUBSCRIBE_FAILED: Final = "Error unsubscribing from channel"


def _state(app: Any) -> AppState:
    app_state: AppState = app.state.insideout
    return app_state


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


# --- server-sent events -------------------------------------------------------


def sse_frame(item: Outgoing | None) -> str:
    if item is None:
        return ":thump\n\n"
    # Mastodon writes JavaScript's ``undefined`` for an event without payload (filters_changed).
    return f"event: {item.event}\ndata: {'undefined' if item.payload is None else item.payload}\n\n"


async def event_stream(request: Request) -> Response:
    app_state = _state(request.app)
    # Authenticate first, as Mastodon's streaming server does: an outsider learns nothing, not even channel names.
    raw = token_from(request.headers, request.query_params, websocket=False)
    if raw is None and session_cookie(request) is not None:
        # The web app's own pages: the browser session, never sent by other sites (SameSite, Sec-Fetch-Site).
        viewer = await session_viewer(app_state.services.web_sessions, session_cookie(request),
                                      request.headers.get("sec-fetch-site"))
    else:
        viewer = await stream_viewer(app_state.services.tokens, raw)
    name = SSE_PATHS.get(request.path_params["channel"])
    if name is None:
        raise BadRequest("Unknown channel requested")
    params = dict(request.query_params)
    channel = await resolve_channel(app_state.services.streams, viewer, channel_name(name, params), params)

    async def body() -> AsyncIterator[str]:
        async with app_state.events.subscribe(()) as subscription:
            session = _session(request.app, viewer, subscription)
            session.add(channel)
            yield ":)\n\n"
            async for item in session.messages():
                yield sse_frame(item)

    return StreamingResponse(body(), headers=SSE_HEADERS)


def _session(app: Any, viewer: StreamViewer, subscription: Any) -> StreamSession:
    app_state = _state(app)
    options = streaming_options(app.state)
    cache = render_cache(app.state)
    services = app_state.services
    return StreamSession(services.tokens, services.streams, app_state.presenter, viewer, subscription, options, cache,
                         services.web_sessions)


# --- WebSocket ----------------------------------------------------------------


def ws_message(item: Outgoing) -> str:
    message: dict[str, Any] = {"stream": list(item.label), "event": item.event}
    if item.payload is not None:
        message["payload"] = item.payload
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class _Socket:
    """Serialises sends: the reader answers errors while the writer streams events."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._lock = asyncio.Lock()

    async def send(self, text: str) -> None:
        async with self._lock:
            await self.websocket.send_text(text)


async def websocket_stream(websocket: WebSocket) -> None:
    app_state = _state(websocket.app)
    raw = token_from(websocket.headers, websocket.query_params, websocket=True)
    try:
        viewer = await stream_viewer(app_state.services.tokens, raw)
    except InsideoutError as exc:
        await _deny(websocket, exc)
        return
    await websocket.accept(subprotocol=_echoed(raw))
    socket = _Socket(websocket)
    async with app_state.events.subscribe(()) as subscription:
        session = _session(websocket.app, viewer, subscription)
        stream = first_param(websocket.query_params.getlist("stream"))
        if stream:
            await _subscribe(socket, session, viewer, stream, dict(websocket.query_params))
        ended_by_server = await _pump(socket, session, viewer)
    if ended_by_server:
        await websocket.close()


def _echoed(raw: RawToken | None) -> str | None:
    return raw.value if raw is not None and raw.from_protocol else None


async def _deny(websocket: WebSocket, exc: InsideoutError) -> None:
    """Refuse the handshake with Mastodon's status and X-Error-Message (403 where the server cannot)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = {"X-Error-Message": exc.public_message, "Content-Type": "text/plain"}
        await websocket.send_denial_response(Response(b"", status_code=exc.status_code, headers=headers))
    else:
        await websocket.close(code=1008, reason=exc.public_message)


async def _pump(socket: _Socket, session: StreamSession, viewer: StreamViewer) -> bool:
    """Read client messages and write events until either side ends; True if the server ended it."""
    ended_by_server = False
    async with anyio.create_task_group() as group:

        async def write() -> None:
            nonlocal ended_by_server
            async for item in session.messages():
                if item is not None:  # the server's WebSocket pings keep the connection alive
                    await socket.send(ws_message(item))
            ended_by_server = True
            group.cancel_scope.cancel()

        group.start_soon(write)
        await _read(socket, session, viewer)
        group.cancel_scope.cancel()
    return ended_by_server


async def _read(socket: _Socket, session: StreamSession, viewer: StreamViewer) -> None:
    websocket = socket.websocket
    while True:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            return
        if message.get("bytes") is not None:
            await websocket.close(code=1003, reason=BINARY_REFUSED)
            return
        await _handle(socket, session, viewer, message.get("text") or "")


async def _handle(socket: _Socket, session: StreamSession, viewer: StreamViewer, text: str) -> None:
    try:
        data = loads_untrusted(text)
    except UntrustedJsonError:
        return  # Mastodon logs and ignores what it cannot parse
    if not isinstance(data, dict):
        return
    kind, stream = data.get("type"), first_param(data.get("stream"))
    if kind == "subscribe":
        await _subscribe(socket, session, viewer, stream, data)
    elif kind == "unsubscribe":
        await _unsubscribe(socket, session, viewer, stream, data)


async def _subscribe(
    socket: _Socket, session: StreamSession, viewer: StreamViewer, name: str | None, params: dict[str, Any]
) -> None:
    streams = _state(socket.websocket.app).services.streams
    try:
        session.add(await resolve_channel(streams, viewer, channel_name(name, params) if name else None, params))
    except InsideoutError as exc:
        await socket.send(json.dumps({"error": exc.public_message, "status": exc.status_code}))


async def _unsubscribe(
    socket: _Socket, session: StreamSession, viewer: StreamViewer, name: str | None, params: dict[str, Any]
) -> None:
    streams = _state(socket.websocket.app).services.streams
    try:
        session.remove(await resolve_channel(streams, viewer, channel_name(name, params) if name else None, params))
    except InsideoutError:
        await socket.send(json.dumps({"error": UNSUBSCRIBE_FAILED}))


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/health", health, methods=["GET", "HEAD"]),
        Route(PREFIX + "/{channel:path}", event_stream, methods=["GET"]),
        WebSocketRoute(PREFIX, websocket_stream),
    ]
