"""Per-origin connection pools of the outbound client (federation.pools), used by deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from federation.pools import HostPools

pytestmark = pytest.mark.anyio


class Body(httpx.AsyncByteStream):
    """A body that stays open until read, as a real connection's does."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"accepted"


class Remote(httpx.MockTransport):
    """Stands in for one origin's pool; remembers whether it was closed."""

    def __init__(self, made: list[Remote]) -> None:
        super().__init__(lambda request: httpx.Response(202, stream=Body()))
        self.closed = False
        made.append(self)

    async def aclose(self) -> None:
        self.closed = True


async def test_each_origin_gets_its_own_pool_and_keeps_it() -> None:
    made: list[Remote] = []
    async with httpx.AsyncClient(transport=HostPools(lambda: Remote(made))) as client:
        for url in ("https://a.example/x", "https://b.example/y", "https://a.example/z", "http://a.example/w"):
            assert (await client.post(url)).status_code == 202

    assert len(made) == 3  # https://a, https://b, http://a
    assert all(pool.closed for pool in made)


async def test_the_least_recently_used_idle_pool_is_closed_beyond_the_cap() -> None:
    made: list[Remote] = []
    pools = HostPools(lambda: Remote(made), max_hosts=2)
    async with httpx.AsyncClient(transport=pools) as client:
        await client.post("https://a.example/")
        await client.post("https://b.example/")
        await client.post("https://a.example/")
        await client.post("https://c.example/")

        assert len(pools) == 2
        assert [pool.closed for pool in made] == [False, True, False]


async def test_a_pool_with_an_open_response_is_not_closed_under_it() -> None:
    made: list[Remote] = []
    pools = HostPools(lambda: Remote(made), max_hosts=1)
    async with httpx.AsyncClient(transport=pools) as client:
        request = client.build_request("POST", "https://a.example/")
        streaming = await client.send(request, stream=True)
        await client.post("https://b.example/")

        assert not made[0].closed and len(pools) == 2
        await streaming.aread()
        await streaming.aclose()
        await client.post("https://c.example/")

        assert made[0].closed and len(pools) == 1


async def test_a_response_already_read_in_full_leaves_its_pool_evictable() -> None:
    made: list[httpx.MockTransport] = []

    def make() -> httpx.MockTransport:
        made.append(httpx.MockTransport(lambda request: httpx.Response(202, text="read at once")))
        return made[-1]

    pools = HostPools(make, max_hosts=1)
    async with httpx.AsyncClient(transport=pools) as client:
        await client.post("https://a.example/")
        await client.post("https://b.example/")

        assert len(pools) == 1 and len(made) == 2
