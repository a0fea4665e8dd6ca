"""One small connection pool per remote origin.

httpcore keeps every connection of a client in one list and, on each
request and each response close, walks it, polling each socket and, for
every idle connection, counting the idle ones again: O(n^2) in
connections. A server delivering to hundreds of hosts keeps hundreds of
keep-alive connections, and that bookkeeping, not the network, becomes the
limit (measured in bench/deliveries.py: tens of deliveries per second).

``HostPools`` gives each origin its own pool of at most ``per_host``
connections, so each walk is over a handful, and keeps at most
``max_hosts`` pools: the least recently used idle pool is closed when a
new host needs one. Every pool comes from ``make_pool`` (the SSRF-pinned
transport), so nothing about what may be reached changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx

PoolKey = tuple[bytes, bytes, int | None]


@dataclass
class _Pool:
    transport: httpx.AsyncBaseTransport
    active: int = 0


class _TrackedStream(httpx.AsyncByteStream):
    """Counts a response as active until its body is closed, so its pool is not closed under it."""

    def __init__(self, inner: httpx.AsyncByteStream, pool: _Pool) -> None:
        self._inner = inner
        self._pool: _Pool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._pool is not None:
                self._pool.active -= 1
                self._pool = None


class HostPools(httpx.AsyncBaseTransport):
    def __init__(self, make_pool: Callable[[], httpx.AsyncBaseTransport], *, max_hosts: int = 256) -> None:
        self._make_pool = make_pool
        self._max_hosts = max_hosts
        self._pools: OrderedDict[PoolKey, _Pool] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = await self._pool_for((request.url.raw_scheme, request.url.raw_host, request.url.port))
        pool.active += 1
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.active -= 1
            raise
        if response.is_closed or not isinstance(response.stream, httpx.AsyncByteStream):
            pool.active -= 1  # a body already read in full holds nothing open
            return response
        response.stream = _TrackedStream(response.stream, pool)
        return response

    async def _pool_for(self, key: PoolKey) -> _Pool:
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        await self._make_room()
        pool = self._pools[key] = _Pool(self._make_pool())
        return pool

    async def _make_room(self) -> None:
        """Close least recently used idle pools so a new one fits (busy ones stay until idle)."""
        excess = len(self._pools) + 1 - self._max_hosts
        for key in [key for key, pool in self._pools.items() if pool.active == 0][: max(excess, 0)]:
            await self._pools.pop(key).transport.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()
