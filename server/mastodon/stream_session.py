"""One open stream, whatever carries it: its channels, its events, its heartbeat, its end.

Both transports drive a ``StreamSession``: SSE with one channel for its
life, WebSocket with channels added and removed as messages arrive. The
session yields what to send (``Outgoing``) and ``None`` for each heartbeat,
and stops when the token is revoked, the user disabled, or a ``system:``
stream tells it to (offboarding publishes there to end streams at once).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from server.events import Subscription
from server.mastodon.stream_auth import StreamViewer, still_allowed
from server.mastodon.stream_channels import Channel
from server.mastodon.stream_render import RenderCache, StreamRenderer
from server.present.presenter import Presenter
from server.revocation_watch import RECHECK_STREAM
from server.services.access_tokens import AccessTokens
from server.services.streams import StreamService
from server.signin.web_sessions import WebSessions

DEFAULT_HEARTBEAT: Final = 15.0
OPTIONS_ATTRIBUTE: Final = "streaming_options"


@dataclass(frozen=True, slots=True)
class StreamingOptions:
    """Set ``app.state.streaming_options`` to change these (tests make them short)."""

    heartbeat_seconds: float = DEFAULT_HEARTBEAT
    recheck_seconds: float = DEFAULT_HEARTBEAT
    """How often a running stream asks again whether its token and user are still valid."""


def streaming_options(app_state: Any) -> StreamingOptions:
    options = getattr(app_state, OPTIONS_ATTRIBUTE, None)
    return options if isinstance(options, StreamingOptions) else StreamingOptions()


def system_streams(viewer: StreamViewer) -> tuple[str, ...]:
    """Any event on these ends the viewer's streams: the token's, and the account's."""
    if viewer.token is None:
        return (f"system:{viewer.account.id}",)
    return (f"system:access_token:{viewer.token.id}", f"system:{viewer.account.id}")


@dataclass(frozen=True, slots=True)
class Outgoing:
    label: tuple[str, ...]
    event: str
    payload: str | None


class StreamSession:
    def __init__(
        self, tokens: AccessTokens, streams: StreamService, presenter: Presenter, viewer: StreamViewer,
        subscription: Subscription, options: StreamingOptions, cache: RenderCache, sessions: WebSessions,
    ) -> None:
        self._tokens = tokens
        self._sessions = sessions
        self._viewer = viewer
        self._subscription = subscription
        self._options = options
        self._renderer = StreamRenderer(streams, presenter, viewer.account, cache, viewer.reader)
        self._channels: dict[str, Channel] = {}
        self._listeners: dict[str, list[Channel]] = defaultdict(list)
        self._system = system_streams(viewer)
        self._checked_at = time.monotonic()
        for stream in (*self._system, RECHECK_STREAM):
            subscription.add(stream)

    def add(self, channel: Channel) -> None:
        if channel.key in self._channels:
            return
        self._channels[channel.key] = channel
        for stream in channel.streams:
            self._listeners[stream].append(channel)
            self._subscription.add(stream)

    def remove(self, channel: Channel) -> None:
        if self._channels.pop(channel.key, None) is None:
            return
        for stream in channel.streams:
            listeners = [c for c in self._listeners[stream] if c.key != channel.key]
            if listeners:
                self._listeners[stream] = listeners
            else:
                del self._listeners[stream]
                self._subscription.remove(stream)

    async def messages(self) -> AsyncIterator[Outgoing | None]:
        """What to send, ``None`` for a heartbeat; returns when the stream must end."""
        queue = self._subscription.queue
        while True:
            try:
                # Events waiting already are taken at once: wait_for would wrap each get in a task.
                event = queue.get_nowait() if not queue.empty() else await asyncio.wait_for(
                    queue.get(), timeout=self._options.heartbeat_seconds)
            except TimeoutError:
                if not await self._allowed():
                    return
                yield None
                continue
            if event.stream == RECHECK_STREAM:
                # Someone left, in some process: check this stream's token now, not at the next heartbeat.
                self._checked_at = -math.inf
                if not await self._allowed():
                    return
                continue
            if event.stream in self._system or not await self._allowed():
                return
            for channel in list(self._listeners.get(event.stream, ())):
                rendered = await self._renderer.render(event, channel)
                if rendered is not None:
                    yield Outgoing(channel.label, event.event, rendered.payload)

    async def _allowed(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < self._options.recheck_seconds:
            return True
        self._checked_at = now
        return await still_allowed(self._tokens, self._sessions, self._viewer)
