"""The SSRF guard's address checks: every special-purpose range is refused."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from activitypub.errors import BlockedDestination, RetryLater
from federation.addresses import (
    AddressVetter,
    IPAddress,
    Resolver,
    check_url_shape,
    is_public_address,
    parse_literal_address,
)

REFUSED = [
    # IPv4
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6
    "::",
    "::1",
    "::127.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0:0",
    "64:ff9b::7f00:1",
    "64:ff9b::a00:1",
    "64:ff9b:1::1",
    "100::1",
    "2001::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "2002:7f00:1::1",
    "2002:c0a8:101::1",
    "3fff::1",
    "5f00::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_special_addresses_are_not_public(address: str) -> None:
    literal = parse_literal_address(address)
    assert literal is not None
    assert not is_public_address(literal)


@pytest.mark.parametrize("address", PUBLIC)
def test_global_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("[::1]", "::1"),
        ("8.8.8.8", "8.8.8.8"),
        ("example.com", None),
        ("cafe.be", None),
        ("deadbeef", None),
        ("1.2.3.4.", None),
    ],
)
def test_literal_address_spellings(host: str, expected: str | None) -> None:
    parsed = parse_literal_address(host)
    assert (None if parsed is None else str(parsed)) == expected


def fake_resolver(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(address) for address in table.get(host, [])]

    return resolve


@pytest.mark.anyio
async def test_vetter_refuses_a_mix_of_public_and_private() -> None:
    vetter = AddressVetter(fake_resolver({"mixed.example": ["93.184.216.34", "10.1.2.3"]}))
    with pytest.raises(BlockedDestination):
        await vetter.vet("mixed.example", 443)


@pytest.mark.anyio
async def test_vetter_returns_public_addresses() -> None:
    vetter = AddressVetter(fake_resolver({"ok.example": ["93.184.216.34", "2606:4700::1"]}))
    assert [str(a) for a in await vetter.vet("ok.example", 443)] == ["93.184.216.34", "2606:4700::1"]


@pytest.mark.anyio
async def test_vetter_checks_literals_without_resolving() -> None:
    vetter = AddressVetter(fake_resolver({}))
    with pytest.raises(BlockedDestination):
        await vetter.vet("0x7f.1", 80)
    assert [str(a) for a in await vetter.vet("8.8.8.8", 80)] == ["8.8.8.8"]


@pytest.mark.anyio
async def test_vetter_allows_private_when_configured() -> None:
    vetter = AddressVetter(fake_resolver({"local.test": ["127.0.0.1"]}), allow_private_addresses=True)
    assert [str(a) for a in await vetter.vet("local.test", 80)] == ["127.0.0.1"]


@pytest.mark.anyio
async def test_unresolvable_host_is_retried_later() -> None:
    vetter = AddressVetter(fake_resolver({}))
    with pytest.raises(RetryLater):
        await vetter.vet("nowhere.example", 443)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://example.com:70/_x",
        "ws://example.com/",
        "https://user:secret@example.com/",
        "https://user@example.com/",
    ],
)
def test_url_shape_refused(url: str) -> None:
    with pytest.raises(BlockedDestination):
        check_url_shape(httpx.URL(url))


def test_url_shape_accepted() -> None:
    check_url_shape(httpx.URL("https://example.com:8443/inbox"))
    check_url_shape(httpx.URL("http://example.com/"))
