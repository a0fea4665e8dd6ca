"""The real transport path, end to end, against a real HTTP server on 127.0.0.1.

The resolver maps ``insideout.test`` (a name DNS will never answer) to
127.0.0.1, so a successful fetch proves the client connected to the vetted
address itself while the Host header kept the host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json

import pytest

from activitypub.errors import BlockedDestination, RetryLater
from federation.addresses import IPAddress
from federation.http import OutboundClient, OutboundSettings, build_http_client

UA = "Insideout/0.1.0 (+https://local.example/)"
ACTOR = {"id": "https://remote.example/users/alice", "type": "Person"}


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")] if host == "insideout.test" else []


class LocalServer:
    """A one-response-per-connection HTTP/1.1 server, recording what it saw."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self.server: asyncio.base_events.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        self.heads.append(head)
        body = json.dumps(ACTOR).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


def real_client(*, allow_private_addresses: bool) -> OutboundClient:
    settings = OutboundSettings(user_agent=UA, allow_private_addresses=allow_private_addresses, total_timeout=5)
    return build_http_client(settings, resolver=resolve)


@pytest.mark.anyio
async def test_real_transport_connects_to_the_vetted_address_keeping_the_host_name() -> None:
    local = LocalServer()
    async with local as port, real_client(allow_private_addresses=True) as client:
        fetched = await client.get_json(f"http://insideout.test:{port}/users/alice")
    assert fetched.document == ACTOR
    assert fetched.url == f"http://insideout.test:{port}/users/alice"
    assert f"\r\nHost: insideout.test:{port}\r\n" in local.heads[0]
    assert f"\r\nUser-Agent: {UA}\r\n" in local.heads[0]


@pytest.mark.anyio
@pytest.mark.parametrize("host", ["insideout.test", "127.0.0.1", "localhost"])
async def test_real_transport_refuses_loopback_by_default(host: str) -> None:
    local = LocalServer()
    async with local as port:
        settings = OutboundSettings(user_agent=UA, total_timeout=5)
        resolver = None if host == "localhost" else resolve  # localhost: the system resolver
        async with build_http_client(settings, resolver=resolver) as client:
            with pytest.raises(BlockedDestination):
                await client.get_json(f"http://{host}:{port}/users/alice")
            with pytest.raises(BlockedDestination):
                await client.post(f"http://{host}:{port}/inbox", b"{}")
    assert local.heads == []


@pytest.mark.anyio
async def test_real_transport_reports_a_refused_connection_as_retry() -> None:
    local = LocalServer()
    async with local as port:
        pass  # the port is closed again
    async with real_client(allow_private_addresses=True) as client:
        with pytest.raises(RetryLater):
            await client.get_json(f"http://insideout.test:{port}/users/alice")
