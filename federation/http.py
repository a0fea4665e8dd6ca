"""The one outbound HTTP client of the server: remote fetches, deliveries, Web Push.

``build_http_client`` assembles it from ``OutboundSettings``. Every request
goes through, in order:

* never our own origin (``OwnOrigin``): our objects are answered from our
  own data, so a URI of ours reaching this client is a forgery or a bug;
* the federation policy (``BlockedDestination`` for a refused domain),
  skipped only for ``exempt_from_federation_policy=True`` (Web Push);
* the SSRF guard of ``federation.addresses``: http/https only, no userinfo,
  and every address the host resolves to must be public, checked when the
  connection is made and then connected to directly;
* a total deadline on top of the connect and read timeouts;
* at most ``max_redirects`` redirects, for GET and HEAD only, each hop
  checked again by the policy and the guard;
* a cap on the body size, checked on Content-Length and while streaming.

Transport failures come out as ``RetryLater``; ``federation.outcomes`` sorts
what a response or an exception means (ok, retry, permanent, gone).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import anyio
import httpx

from activitypub.errors import BlockedDestination, OwnOrigin, PermanentFailure, RetryLater
from activitypub.json_reader import Rejection, UntrustedJsonError, loads_untrusted
from activitypub.parse import is_own_uri
from federation.addresses import (
    AddressVetter,
    GuardTransport,
    PinnedTransport,
    PrivateHosts,
    Resolver,
    system_resolver,
)
from federation.live_policy import refresh_if_stale
from federation.outcomes import Outcome, classify_response, raise_for_outcome
from federation.policy import DomainPolicy, FederationMode
from federation.pools import HostPools

VERSION = "0.1.0"
JSON_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json", "application/jrd+json"}
)
ACTIVITY_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
LOGGED_BODY_BYTES = 4096
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


def user_agent(base_url: str, version: str = VERSION) -> str:
    """``Insideout/0.1.0 (+https://base.url/)``."""
    return f"Insideout/{version} (+{base_url.rstrip('/')}/)"


@dataclass(frozen=True)
class OutboundSettings:
    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_body_bytes: int = 1_000_000
    max_redirects: int = 3
    allow_private_addresses: bool = False
    federation_mode: FederationMode = "open"
    allowed_domains: frozenset[str] = frozenset()
    blocked_domains: frozenset[str] = frozenset()
    # In total, as one pool of max_connections_per_host per remote origin (see federation.pools).
    max_connections: int = 1024
    max_connections_per_host: int = 4
    # Our own base URL: nothing on its origin is ever requested as if it were remote.
    own_base_url: str | None = None


class ResponseTooLarge(PermanentFailure):
    """A remote response body went over ``max_body_bytes``."""

    default_message = "The remote response is too large"


class HostPolicy(Protocol):
    def is_allowed(self, host: str) -> bool: ...


# --- results --------------------------------------------------------------


@dataclass(frozen=True)
class FetchedJson:
    document: dict[str, Any]
    url: str  # the final URL after redirects: check the document's id against it
    status: int


@dataclass(frozen=True)
class FetchedBytes:
    body: bytes
    media_type: str  # from Content-Type, lower case, without parameters
    url: str  # the final URL after redirects
    status: int


@dataclass(frozen=True)
class PostResult:
    status: int
    headers: httpx.Headers
    body_text: str  # at most the first 4 KB, for logs
    url: str

    @property
    def outcome(self) -> Outcome:
        return classify_response(self.status, self.headers)


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()


def _accepted(media_type: str, accepted: frozenset[str]) -> bool:
    return media_type in accepted or any(
        entry.endswith("/") and media_type.startswith(entry) for entry in accepted
    )


def _without_credentials(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in _CREDENTIAL_HEADERS}


def _parse_url(url: str | httpx.URL) -> httpx.URL:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise PermanentFailure("Invalid remote URL", detail=str(url)) from exc


# --- the client -----------------------------------------------------------


class OutboundClient:
    """The shared outbound client; build it with ``build_http_client``."""

    def __init__(
        self, client: httpx.AsyncClient, settings: OutboundSettings, policy: HostPolicy,
        private_hosts: PrivateHosts | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self.policy = policy
        # Shared with the SSRF guard: a host added here may answer from a private address.
        self.private_hosts = private_hosts if private_hosts is not None else PrivateHosts()

    async def __aenter__(self) -> OutboundClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(
        self,
        url: str,
        *,
        accept: str = ACTIVITY_ACCEPT,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        exempt_from_federation_policy: bool = False,
        media_types: frozenset[str] = JSON_MEDIA_TYPES,
    ) -> FetchedJson:
        """GET a JSON document; raises ``RetryLater``, ``Gone`` or ``PermanentFailure``."""
        request_headers = {"Accept": accept, **(headers or {})}
        async with self._guarded():
            response = await self._open("GET", url, None, request_headers, auth, exempt_from_federation_policy)
            try:
                raise_for_outcome(classify_response(response.status_code, response.headers), str(response.url))
                if _media_type(response) not in media_types:
                    raise PermanentFailure("The remote document is not JSON", detail=_media_type(response))
                body = await self._read_capped(response)
            finally:
                await response.aclose()
        try:
            document = loads_untrusted(body)
        except UntrustedJsonError as exc:
            problem = "nested too deeply" if exc.reason is Rejection.TOO_DEEP else "not valid JSON"
            raise PermanentFailure(f"The remote document is {problem}", detail=f"{response.url}: {exc}") from exc
        if not isinstance(document, dict):
            raise PermanentFailure("The remote document is not a JSON object", detail=str(response.url))
        return FetchedJson(document, str(response.url), response.status_code)

    async def get_bytes(
        self, url: str, *, max_bytes: int, accept: str, media_types: frozenset[str]
    ) -> FetchedBytes:
        """GET a file (an image, a web page) of at most ``max_bytes``, same guard, policy and redirects as JSON.

        ``media_types`` lists what the caller accepts; an entry ending in ``/``
        (``"image/"``) accepts the whole family. Anything else is refused
        before the body is read.
        """
        async with self._guarded():
            response = await self._open("GET", url, None, {"Accept": accept}, None, False)
            try:
                raise_for_outcome(classify_response(response.status_code, response.headers), str(response.url))
                media_type = _media_type(response)
                if not _accepted(media_type, media_types):
                    raise PermanentFailure("The remote file has an unexpected type", detail=media_type or "none")
                body = await self._read_capped(response, max_bytes)
            finally:
                await response.aclose()
        return FetchedBytes(body, media_type, str(response.url), response.status_code)

    async def post(
        self,
        url: str,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        auth: httpx.Auth | None = None,
        exempt_from_federation_policy: bool = False,
    ) -> PostResult:
        """POST without following redirects; the status is the caller's to classify."""
        async with self._guarded():
            response = await self._open("POST", url, content, dict(headers or {}), auth, exempt_from_federation_policy)
            try:
                head = bytearray()
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if len(head) >= LOGGED_BODY_BYTES:
                        break
            finally:
                await response.aclose()
        text = bytes(head[:LOGGED_BODY_BYTES]).decode("utf-8", errors="replace")
        return PostResult(response.status_code, response.headers, text, str(response.url))

    async def post_form(
        self,
        url: str,
        form: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        *,
        exempt_from_federation_policy: bool = False,
    ) -> FetchedJson:
        """POST a form and read the JSON answer whole (capped), as an OAuth token endpoint answers.

        A 4xx raises ``PermanentFailure`` with the body's ``error`` in its detail.
        """
        request_headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded",
                           **(headers or {})}
        content = urlencode(form).encode()
        async with self._guarded():
            response = await self._open("POST", url, content, request_headers, None, exempt_from_federation_policy)
            try:
                body = await self._read_capped(response)
            finally:
                await response.aclose()
        try:
            document = loads_untrusted(body)
        except UntrustedJsonError:
            document = None
        outcome = classify_response(response.status_code, response.headers)
        if outcome.kind != "ok":
            error = document.get("error") if isinstance(document, dict) else None
            raise_for_outcome(outcome, f"{response.url}: {error or response.status_code}")
        if not isinstance(document, dict):
            raise PermanentFailure("The remote answer is not a JSON object", detail=str(response.url))
        return FetchedJson(document, str(response.url), response.status_code)

    def is_own(self, uri: str) -> bool:
        """Whether ``uri`` is on our own origin (see ``activitypub.parse.is_own_uri``)."""
        own = self._settings.own_base_url
        return own is not None and is_own_uri(uri, own)

    def check_destination(self, url: httpx.URL, *, exempt_from_federation_policy: bool = False) -> None:
        """The checks applied to every request and redirect hop: never our own origin, then the policy."""
        if self.is_own(str(url)):
            raise OwnOrigin(detail=f"{url} is on our own origin")
        if not exempt_from_federation_policy and not self.policy.is_allowed(url.host):
            raise BlockedDestination(detail=f"{url.host} is not allowed by the federation policy")

    async def _open(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        auth: httpx.Auth | None,
        exempt: bool,
    ) -> httpx.Response:
        """Send, following redirects for GET and HEAD; returns an open streaming response."""
        target = _parse_url(url)
        follow = method in ("GET", "HEAD")
        await refresh_if_stale(self.policy)
        for _hop in range(self._settings.max_redirects + 1):
            self.check_destination(target, exempt_from_federation_policy=exempt)
            request = self._client.build_request(method, target, content=content, headers=headers)
            response = await self._client.send(request, auth=auth, stream=True)
            if not (follow and response.is_redirect):
                return response
            await response.aclose()
            next_url = response.url.join(response.headers["location"])
            if target.scheme == "https" and next_url.scheme == "http":
                raise BlockedDestination(detail=f"redirect from https down to {next_url}")
            if next_url.host != target.host or next_url.port != target.port:
                headers = _without_credentials(headers)
            target = next_url
        raise PermanentFailure("Too many redirects", detail=url)

    async def _read_capped(self, response: httpx.Response, limit: int | None = None) -> bytes:
        limit = self._settings.max_body_bytes if limit is None else limit
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(detail=f"Content-Length {declared} over {limit} from {response.url}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise ResponseTooLarge(detail=f"body over {limit} bytes from {response.url}")
        return bytes(body)

    @contextlib.asynccontextmanager
    async def _guarded(self) -> AsyncIterator[None]:
        """The total deadline, and httpx's errors mapped onto the exception tree."""
        try:
            with anyio.fail_after(self._settings.total_timeout):
                yield
        except TimeoutError as exc:
            raise RetryLater("The remote server timed out", detail="total deadline exceeded") from exc
        except httpx.TimeoutException as exc:
            raise RetryLater("The remote server timed out", detail=str(exc)) from exc
        except httpx.UnsupportedProtocol as exc:
            raise BlockedDestination(detail=str(exc)) from exc
        except (httpx.InvalidURL, httpx.DecodingError) as exc:
            raise PermanentFailure("The remote server sent something unusable", detail=str(exc)) from exc
        except httpx.TransportError as exc:
            raise RetryLater("Could not reach the remote server", detail=f"{type(exc).__name__}: {exc}") from exc


def build_http_client(
    settings: OutboundSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    policy: HostPolicy | None = None,
) -> OutboundClient:
    """The outbound client; ``transport`` and ``resolver`` are for tests.

    An injected ``transport`` is still wrapped by the SSRF guard, which then
    resolves each host with ``resolver`` and checks it before handing over.
    ``policy`` defaults to one built from the settings' domain lists.
    """
    vetter = AddressVetter(resolver or system_resolver, allow_private_addresses=settings.allow_private_addresses)
    if transport is None:
        per_host = settings.max_connections_per_host
        limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        pools = HostPools(
            lambda: PinnedTransport(vetter, limits=limits, ssl_context=ssl_context),
            max_hosts=max(1, settings.max_connections // per_host),
        )
        guard = GuardTransport(pools, vetter, pre_resolve=False)
    else:
        guard = GuardTransport(transport, vetter, pre_resolve=True)
    if policy is None:
        policy = DomainPolicy(settings.federation_mode, settings.allowed_domains, settings.blocked_domains)
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    client = httpx.AsyncClient(
        transport=guard,
        headers={"User-Agent": settings.user_agent},
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
    return OutboundClient(client, settings, policy, vetter.private_hosts)
