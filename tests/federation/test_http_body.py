"""The outbound client's limits on what it reads: size cap and JSON media types."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from activitypub.errors import PermanentFailure
from federation.addresses import IPAddress
from federation.http import OutboundClient, OutboundSettings, ResponseTooLarge, build_http_client

ACTOR = {"id": "https://remote.example/users/alice", "type": "Person"}
JSON_TYPE = {"content-type": "application/activity+json"}


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("93.184.216.34")] if host == "remote.example" else []


def make_client(answer: Callable[[httpx.Request], httpx.Response], **overrides: object) -> OutboundClient:
    user_agent = "Insideout/0.1.0 (+https://local.example/)"
    settings = OutboundSettings(user_agent=user_agent, **overrides)  # type: ignore[arg-type]
    return build_http_client(settings, transport=httpx.MockTransport(answer), resolver=resolve)


@pytest.mark.anyio
async def test_body_over_the_cap_is_refused_by_content_length_before_reading() -> None:
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(1)
        yield b"{}"

    headers = {"content-type": "application/json", "content-length": "1000001"}
    async with make_client(lambda request: httpx.Response(200, headers=headers, content=body())) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get_json("https://remote.example/big")
    assert read == []


@pytest.mark.anyio
async def test_chunked_body_over_the_cap_is_cut_off() -> None:
    produced: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            produced.append(65_536)
            yield b" " * 65_536

    headers = {"content-type": "application/json"}
    async with make_client(lambda request: httpx.Response(200, headers=headers, content=endless())) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get_json("https://remote.example/endless")
    assert 1_000_000 < sum(produced) <= 1_000_000 + 65_536


@pytest.mark.anyio
async def test_body_cap_is_configurable_and_exact() -> None:
    document = json.dumps(ACTOR).encode()
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=JSON_TYPE, content=document)

    async with make_client(answer, max_body_bytes=len(document)) as client:
        assert (await client.get_json("https://remote.example/a")).document == ACTOR
    async with make_client(answer, max_body_bytes=len(document) - 1) as client:
        with pytest.raises(ResponseTooLarge):
            await client.get_json("https://remote.example/a")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/json; charset=utf-8",
        "application/jrd+json",
        "Application/Activity+JSON",
    ],
)
async def test_json_content_types_are_accepted(content_type: str) -> None:
    headers = {"content-type": content_type}
    async with make_client(lambda request: httpx.Response(200, json=ACTOR, headers=headers)) as client:
        assert (await client.get_json("https://remote.example/a")).document == ACTOR


@pytest.mark.anyio
@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", "text/plain", ""])
async def test_other_content_types_are_refused(content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps(ACTOR).encode()
    async with make_client(lambda request: httpx.Response(200, content=body, headers=headers)) as client:
        with pytest.raises(PermanentFailure, match="not JSON"):
            await client.get_json("https://remote.example/a")


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]", b'"string"'])
async def test_invalid_or_non_object_json_is_refused(body: bytes) -> None:
    async with make_client(lambda request: httpx.Response(200, content=body, headers=JSON_TYPE)) as client:
        with pytest.raises(PermanentFailure):
            await client.get_json("https://remote.example/a")


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"[" * 3000 + b"]" * 3000, b'{"a":' * 3000 + b"{}" + b"}" * 3000])
async def test_deeply_nested_json_is_a_permanent_failure(body: bytes) -> None:
    async with make_client(lambda request: httpx.Response(200, content=body, headers=JSON_TYPE)) as client:
        with pytest.raises(PermanentFailure, match="nested too deeply"):
            await client.get_json("https://remote.example/deep")


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b'{"id": NaN}', b'{"id": 1e400}', b'{"id": "\\ud800"}', b'{"id": "\xff"}'])
async def test_hostile_json_values_are_a_permanent_failure(body: bytes) -> None:
    async with make_client(lambda request: httpx.Response(200, content=body, headers=JSON_TYPE)) as client:
        with pytest.raises(PermanentFailure, match="not valid JSON"):
            await client.get_json("https://remote.example/hostile")
