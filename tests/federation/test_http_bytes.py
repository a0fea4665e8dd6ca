"""``get_bytes``: the outbound client's fetch of files (images, web pages), with the same guard as JSON.

The remote servers are ``httpx.MockTransport`` handlers and the resolver is
a table, as in test_http.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from activitypub.errors import BlockedDestination, PermanentFailure, RetryLater
from federation.http import ResponseTooLarge
from federation.outcomes import RemoteHTTPError
from tests.federation.test_http import Recorder, make_client

pytestmark = pytest.mark.anyio

IMAGES = frozenset({"image/"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def serving(body: bytes, content_type: str = "image/png", status: int = 200) -> Recorder:
    return Recorder(lambda request: httpx.Response(status, content=body, headers={"content-type": content_type}))


async def test_returns_body_media_type_and_final_url() -> None:
    remote = serving(PNG, "image/png; charset=binary")
    async with make_client(remote) as client:
        fetched = await client.get_bytes("https://remote.example/a.png", max_bytes=1000, accept="image/*",
                                         media_types=IMAGES)
    assert fetched.body == PNG and fetched.media_type == "image/png"
    assert fetched.url == "https://remote.example/a.png" and fetched.status == 200
    assert remote.requests[0].headers["accept"] == "image/*"


@pytest.mark.parametrize("content_type", ["text/html", "application/json", "", "imagex/png"])
async def test_unlisted_media_types_are_refused(content_type: str) -> None:
    async with make_client(serving(PNG, content_type)) as client:
        with pytest.raises(PermanentFailure, match="unexpected type"):
            await client.get_bytes("https://remote.example/a", max_bytes=1000, accept="image/*", media_types=IMAGES)


async def test_exact_media_types_are_matched_whole() -> None:
    async with make_client(serving(b"<html></html>", "text/html")) as client:
        fetched = await client.get_bytes("https://remote.example/p", max_bytes=100, accept="text/html",
                                         media_types=frozenset({"text/html"}))
    assert fetched.body == b"<html></html>"


async def test_the_cap_is_the_callers_not_the_json_cap() -> None:
    big = b"\0" * 2_000_000
    async with make_client(serving(big)) as client:
        fetched = await client.get_bytes("https://remote.example/big.png", max_bytes=2_000_000, accept="image/*",
                                         media_types=IMAGES)
        with pytest.raises(ResponseTooLarge):
            await client.get_bytes("https://remote.example/big.png", max_bytes=1_999_999, accept="image/*",
                                   media_types=IMAGES)
    assert len(fetched.body) == 2_000_000


async def test_a_streamed_body_over_the_cap_is_cut_off() -> None:
    produced: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            produced.append(1)
            yield b"\0" * 65_536

    remote = Recorder(lambda request: httpx.Response(200, content=endless(), headers={"content-type": "image/png"}))
    async with make_client(remote) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get_bytes("https://remote.example/x", max_bytes=100_000, accept="image/*", media_types=IMAGES)
    assert len(produced) <= 3


@pytest.mark.parametrize("url", ["https://evil.example/x.png", "http://127.0.0.1/x.png", "http://169.254.169.254/"])
async def test_private_destinations_are_refused_without_a_request(url: str) -> None:
    remote = serving(PNG)
    async with make_client(remote) as client:
        with pytest.raises(BlockedDestination):
            await client.get_bytes(url, max_bytes=1000, accept="image/*", media_types=IMAGES)
    assert remote.requests == []


async def test_blocked_domains_are_refused_without_a_request() -> None:
    remote = serving(PNG)
    async with make_client(remote, blocked_domains=frozenset({"remote.example"})) as client:
        with pytest.raises(BlockedDestination):
            await client.get_bytes("https://remote.example/a.png", max_bytes=1000, accept="image/*",
                                   media_types=IMAGES)
    assert remote.requests == []


async def test_a_redirect_into_our_network_is_refused() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "remote.example":
            return httpx.Response(302, headers={"location": "https://evil.example/x.png"})
        return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})

    remote = Recorder(answer)
    async with make_client(remote) as client:
        with pytest.raises(BlockedDestination):
            await client.get_bytes("https://remote.example/a.png", max_bytes=1000, accept="image/*",
                                   media_types=IMAGES)
    assert remote.hosts == ["remote.example"]


@pytest.mark.parametrize(("status", "error"), [(503, RetryLater), (404, RemoteHTTPError)])
async def test_statuses_map_onto_the_exception_tree(status: int, error: type[Exception]) -> None:
    async with make_client(serving(b"no", "text/plain", status)) as client:
        with pytest.raises(error):
            await client.get_bytes("https://remote.example/a.png", max_bytes=1000, accept="image/*",
                                   media_types=IMAGES)
