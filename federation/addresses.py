"""The SSRF guard's address half: which IP addresses a remote fetch may reach.

``is_public_address`` says whether one address is globally routable and
safe to connect to. ``AddressVetter`` turns a host name into the list of
addresses the client may connect to, refusing the whole host if *any*
resolved address is not public (a name answering with a mix of public and
private addresses is a classic rebinding trick). ``PinnedBackend`` is the
httpcore network backend that vets at connect time and connects to the
vetted address itself, so no second DNS answer can slip in between the
check and the connection; the host name stays in the URL, so the Host
header, TLS SNI, certificate check and connection pool key all keep it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import anyio
import httpcore
import httpx

from activitypub.errors import BlockedDestination, RetryLater

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

_V4_DENIED = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
    )
)

_V6_DENIED = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/96",  # unspecified, loopback, deprecated IPv4-compatible
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NUMERIC_V4 = re.compile(r"^[0-9a-fA-FxX.]+$")


def _is_public_v4(address: ipaddress.IPv4Address) -> bool:
    if any(address in net for net in _V4_DENIED):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _embedded_v4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address tunnels to: 6to4, Teredo, NAT64."""
    embedded: list[ipaddress.IPv4Address] = []
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if address in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def is_public_address(address: IPAddress) -> bool:
    """True when ``address`` is globally routable and not special in any way."""
    if isinstance(address, ipaddress.IPv4Address):
        return _is_public_v4(address)
    if address.ipv4_mapped is not None:
        return _is_public_v4(address.ipv4_mapped)
    if not all(_is_public_v4(inner) for inner in _embedded_v4(address)):
        return False
    if address in _NAT64:
        return True
    if any(address in net for net in _V6_DENIED):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def parse_literal_address(host: str) -> IPAddress | None:
    """The IP address ``host`` spells, in any form a resolver would accept.

    Besides the canonical forms this catches the legacy numeric spellings
    ``127.1``, ``0x7f.1`` and ``2130706433`` that ``inet_aton`` turns into
    an address without asking DNS.
    """
    candidate = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    if _NUMERIC_V4.match(candidate) and not candidate.endswith("."):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the operating system's resolver, via anyio."""
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RetryLater("Could not resolve the remote host", detail=f"{host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class PrivateHosts:
    """The hosts an operator trusts on private addresses: the identity provider's, which usually lives on the intranet.

    Hosts come from configuration (the SSO issuer) and from what that issuer's
    discovery document names; nothing a remote server sends adds one.
    """

    def __init__(self, hosts: Iterable[str] = ()) -> None:
        self._hosts = {host.lower().rstrip(".") for host in hosts}

    def add(self, host: str) -> None:
        self._hosts.add(host.lower().rstrip("."))

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and host.lower().rstrip(".") in self._hosts


class AddressVetter:
    """Resolves a host and returns its addresses only if every one is allowed."""

    def __init__(
        self, resolver: Resolver, *, allow_private_addresses: bool = False, private_hosts: PrivateHosts | None = None
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private_addresses
        self.private_hosts = private_hosts if private_hosts is not None else PrivateHosts()

    def allowed(self, address: IPAddress, host: str | None = None) -> bool:
        return self._allow_private or is_public_address(address) or (host is not None and host in self.private_hosts)

    async def vet(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to; raises ``BlockedDestination`` or ``RetryLater``."""
        literal = parse_literal_address(host)
        addresses = [literal] if literal is not None else list(await self._resolver(host, port))
        if not addresses:
            raise RetryLater("Could not resolve the remote host", detail=host)
        refused = [str(address) for address in addresses if not self.allowed(address, host)]
        if refused:
            raise BlockedDestination(detail=f"{host} resolves to non-public {', '.join(refused)}")
        return addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend connecting only to addresses the vetter approved."""

    def __init__(self, vetter: AddressVetter, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._vetter = vetter
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._vetter.vet(host, port)
        options = list(socket_options) if socket_options is not None else None
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        if failure is None:  # pragma: no cover - vet() never returns an empty list
            raise RetryLater("Could not connect to the remote host", detail=host)
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedDestination(detail="unix sockets are never an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url_shape(url: httpx.URL) -> None:
    """Refuse URLs no federation request should use: odd schemes, userinfo, no host."""
    if url.scheme not in _DEFAULT_PORTS:
        raise BlockedDestination(detail=f"scheme {url.scheme!r} is not http or https")
    if url.userinfo:
        raise BlockedDestination(detail="credentials in the URL")
    if not url.host:
        raise BlockedDestination(detail="URL without a host")


class GuardTransport(httpx.AsyncBaseTransport):
    """Wraps any transport and vets each request's URL and addresses first.

    With ``pre_resolve`` the host is resolved and every address checked before
    the inner transport sees the request; this is how injected test transports
    (``httpx.MockTransport``, ASGI) are guarded. Around ``PinnedTransport`` it
    is off: that transport vets at connect time and pins the vetted address.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, vetter: AddressVetter, *, pre_resolve: bool) -> None:
        self._inner = inner
        self._vetter = vetter
        self._pre_resolve = pre_resolve

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        check_url_shape(url)
        if self._pre_resolve:
            host = url.raw_host.decode("ascii")
            await self._vetter.vet(host, url.port or _DEFAULT_PORTS[url.scheme])
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a connection pool that uses ``PinnedBackend``.

    Proxies from the environment are ignored (a proxy would make the address
    check meaningless), and so are ``SSL_CERT_*`` variables.
    """

    def __init__(
        self, vetter: AddressVetter, *, limits: httpx.Limits | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        limits = limits if limits is not None else httpx.Limits()
        # Loading the CA bundle takes ~20 ms: pools made per host share one context.
        ssl_context = ssl_context if ssl_context is not None else httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(vetter),
        )
