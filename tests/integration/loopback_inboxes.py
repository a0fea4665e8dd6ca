"""Remote inboxes on loopback for the process tests: a bare asyncio HTTP/1.1 server, fast enough for thousands.

Each server records the ``id`` of every activity POSTed to it and answers 202, on keep-alive
connections. It runs in the test's own event loop, so the test must await (sleep) while workers send.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

ACCEPTED = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class LoopbackInboxes:
    def __init__(self) -> None:
        self.received: list[str] = []
        self.problems: list[str] = []
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.StreamWriter] = set()
        self.ports: list[int] = []

    async def start(self, count: int) -> list[int]:
        for _ in range(count):
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])
        return self.ports

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._connections):
            writer.close()
        for server in self._servers:
            await server.wait_closed()

    def distinct(self) -> set[str]:
        return set(self.received)

    def duplicates(self) -> int:
        return sum(count - 1 for count in Counter(self.received).values())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = _content_length(head)
                if length is None:
                    self.problems.append(f"no content-length: {head[:200]!r}")
                    writer.write(BAD_REQUEST)
                    break
                body = await reader.readexactly(length)
                try:
                    self.received.append(str(json.loads(body)["id"]))
                except (ValueError, KeyError, TypeError):
                    self.problems.append(f"not an activity: {body[:200]!r}")
                writer.write(ACCEPTED)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up (or was killed)
        finally:
            self._connections.discard(writer)
            writer.close()


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None
