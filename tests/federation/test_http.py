"""The shared outbound client: SSRF guard, policy, redirects, errors.

The remote servers are ``httpx.MockTransport`` handlers and the resolver is
a table. Body limits are in test_http_body.py, the real transport against a
real local server in test_http_real.py.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Coroutine, Generator

import anyio
import httpx
import pytest

from activitypub.errors import BlockedDestination, Gone, PermanentFailure, RetryLater
from federation.addresses import IPAddress
from federation.http import OutboundClient, OutboundSettings, build_http_client
from federation.outcomes import RemoteHTTPError

UA = "Insideout/0.1.0 (+https://local.example/)"
DNS = {
    "remote.example": ["93.184.216.34"],
    "other.example": ["93.184.216.35", "2606:2800:220:1::1"],
    "push.example": ["93.184.216.36"],
    "social.partner.example": ["93.184.216.37"],
    "evil.example": ["10.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.38", "127.0.0.1"],
    "mapped.example": ["::ffff:192.168.0.1"],
    "insideout.test": ["127.0.0.1"],
}
ACTOR = {"id": "https://remote.example/users/alice", "type": "Person"}
Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address(address) for address in DNS.get(host, [])]


def make_client(handler: Handler, **overrides: object) -> OutboundClient:
    settings = OutboundSettings(user_agent=UA, **overrides)  # type: ignore[arg-type]
    return build_http_client(settings, transport=httpx.MockTransport(handler), resolver=resolve)


class Recorder:
    """A mock remote server that records requests and serves canned answers."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer or (lambda request: httpx.Response(200, json=ACTOR, headers=JSON_TYPE))

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(request)

    @property
    def hosts(self) -> list[str]:
        return [request.url.host for request in self.requests]


JSON_TYPE = {"content-type": "application/activity+json"}


def redirect_to(location: str, status: int = 302) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/start":
            return httpx.Response(status, headers={"location": location})
        return httpx.Response(200, json=ACTOR, headers=JSON_TYPE)

    return answer


@pytest.mark.anyio
async def test_get_json_returns_document_and_final_url() -> None:
    server = Recorder()
    async with make_client(server) as client:
        fetched = await client.get_json("https://remote.example/users/alice")
    assert fetched.document == ACTOR
    assert fetched.url == "https://remote.example/users/alice"
    assert server.requests[0].headers["user-agent"] == UA
    assert "application/activity+json" in server.requests[0].headers["accept"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://192.168.1.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:a00:1::]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "https://evil.example/",
        "https://metadata.example/",
        "https://mixed.example/",
        "https://mapped.example/",
    ],
)
async def test_private_and_reserved_destinations_are_refused(url: str) -> None:
    server = Recorder()
    async with make_client(server) as client:
        with pytest.raises(BlockedDestination):
            await client.get_json(url)
        with pytest.raises(BlockedDestination):
            await client.post(url, b"{}")
    assert server.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/actor", "http://[::1]/actor", "http://insideout.test/actor"])
async def test_allow_private_addresses_allows_loopback(url: str) -> None:
    server = Recorder()
    async with make_client(server, allow_private_addresses=True) as client:
        fetched = await client.get_json(url)
    assert fetched.document == ACTOR


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://remote.example/x",
        "gopher://remote.example:70/_x",
        "https://user:pass@remote.example/",
        "https://user@remote.example/",
    ],
)
async def test_bad_schemes_and_userinfo_are_refused(url: str) -> None:
    server = Recorder()
    async with make_client(server, allow_private_addresses=True) as client:
        with pytest.raises(BlockedDestination):
            await client.get_json(url)
        with pytest.raises(BlockedDestination):
            await client.post(url, b"{}")
    assert server.requests == []


@pytest.mark.anyio
async def test_unresolvable_host_is_retried() -> None:
    async with make_client(Recorder()) as client:
        with pytest.raises(RetryLater):
            await client.get_json("https://nxdomain.example/")


@pytest.mark.anyio
async def test_redirects_are_followed_and_the_final_url_reported() -> None:
    server = Recorder(redirect_to("https://other.example/users/alice", 301))
    async with make_client(server) as client:
        fetched = await client.get_json("https://remote.example/start")
    assert fetched.url == "https://other.example/users/alice"
    assert server.hosts == ["remote.example", "other.example"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/",
        "http://127.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "gopher://remote.example/_x",
    ],
)
async def test_redirect_to_a_forbidden_destination_is_refused(location: str) -> None:
    server = Recorder(redirect_to(location))
    async with make_client(server) as client:
        with pytest.raises(BlockedDestination):
            await client.get_json("https://remote.example/start")
    assert server.hosts == ["remote.example"]


@pytest.mark.anyio
async def test_redirect_to_a_blocked_domain_is_refused() -> None:
    server = Recorder(redirect_to("https://WWW.Other.Example./x"))
    async with make_client(server, blocked_domains=frozenset({"other.example"})) as client:
        with pytest.raises(BlockedDestination):
            await client.get_json("https://remote.example/start")
    assert server.hosts == ["remote.example"]


@pytest.mark.anyio
async def test_redirect_from_https_to_http_is_refused() -> None:
    server = Recorder(redirect_to("http://remote.example/plain"))
    async with make_client(server) as client:
        with pytest.raises(BlockedDestination):
            await client.get_json("https://remote.example/start")
    assert server.hosts == ["remote.example"]


@pytest.mark.anyio
async def test_three_redirects_are_followed_but_not_four() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.params.get("hop", "0"))
        if hop < int(request.url.params["until"]):
            return httpx.Response(302, headers={"location": f"/r?hop={hop + 1}&until={request.url.params['until']}"})
        return httpx.Response(200, json=ACTOR, headers=JSON_TYPE)

    server = Recorder(answer)
    async with make_client(server) as client:
        fetched = await client.get_json("https://remote.example/r?until=3")
        assert fetched.url == "https://remote.example/r?hop=3&until=3"
        server.requests.clear()
        with pytest.raises(PermanentFailure, match="Too many redirects"):
            await client.get_json("https://remote.example/r?until=4")
    assert len(server.requests) == 4


@pytest.mark.anyio
async def test_cross_origin_redirect_drops_credentials() -> None:
    server = Recorder(redirect_to("https://other.example/x"))
    async with make_client(server) as client:
        await client.get_json("https://remote.example/start", headers={"Authorization": "Bearer t", "X-Keep": "1"})
    assert server.requests[0].headers["authorization"] == "Bearer t"
    assert "authorization" not in server.requests[1].headers
    assert server.requests[1].headers["x-keep"] == "1"


@pytest.mark.anyio
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_post_is_never_redirected(status: int) -> None:
    server = Recorder(lambda request: httpx.Response(status, headers={"location": "https://other.example/inbox"}))
    async with make_client(server) as client:
        result = await client.post("https://remote.example/inbox", b"{}", {"Content-Type": "application/json"})
    assert result.status == status
    assert result.outcome.kind == "permanent"
    assert server.hosts == ["remote.example"]


@pytest.mark.anyio
async def test_post_returns_status_headers_and_the_start_of_the_body() -> None:
    server = Recorder(lambda request: httpx.Response(503, headers={"Retry-After": "30"}, content=b"e" * 10_000))
    async with make_client(server) as client:
        result = await client.post("https://remote.example/inbox", b'{"a": 1}', {"Content-Type": "application/json"})
    assert (result.status, len(result.body_text), result.url) == (503, 4096, "https://remote.example/inbox")
    assert (result.outcome.kind, result.outcome.retry_after) == ("retry", 30.0)
    assert server.requests[0].content == b'{"a": 1}'
    assert server.requests[0].method == "POST"


class MarkAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Signature"] = f"signed {request.method} {request.url.host}"
        yield request


@pytest.mark.anyio
async def test_auth_signs_every_request_including_redirect_hops() -> None:
    server = Recorder(redirect_to("https://other.example/x"))
    async with make_client(server) as client:
        await client.get_json("https://remote.example/start", auth=MarkAuth())
        await client.post("https://remote.example/inbox", b"{}", auth=MarkAuth())
    signatures = [request.headers["signature"] for request in server.requests]
    assert signatures == ["signed GET remote.example", "signed GET other.example", "signed POST remote.example"]


@pytest.mark.anyio
async def test_fetch_status_errors_map_onto_the_exception_tree() -> None:
    statuses = {"/gone": 410, "/missing": 404, "/busy": 503}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(statuses[request.url.path], headers={"Retry-After": "7"})

    async with make_client(Recorder(answer)) as client:
        with pytest.raises(Gone):
            await client.get_json("https://remote.example/gone")
        with pytest.raises(RemoteHTTPError) as missing:
            await client.get_json("https://remote.example/missing")
        assert missing.value.status == 404
        with pytest.raises(RetryLater) as busy:
            await client.get_json("https://remote.example/busy")
        assert busy.value.retry_after == 7.0


@pytest.mark.anyio
@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ReadError("reset")])
async def test_transport_errors_are_retried(error: Exception) -> None:
    async def failing(request: httpx.Request) -> httpx.Response:
        raise error

    async with make_client(failing) as client:
        with pytest.raises(RetryLater):
            await client.get_json("https://remote.example/a")
        with pytest.raises(RetryLater):
            await client.post("https://remote.example/inbox", b"{}")


@pytest.mark.anyio
async def test_total_deadline_is_enforced() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200, json=ACTOR, headers=JSON_TYPE)

    async with make_client(slow, total_timeout=0.05) as client:
        with anyio.fail_after(2):
            with pytest.raises(RetryLater, match="timed out"):
                await client.get_json("https://remote.example/a")


@pytest.mark.anyio
async def test_allowlist_mode_refuses_unlisted_domains() -> None:
    server = Recorder()
    settings = {"federation_mode": "allowlist", "allowed_domains": frozenset({"Partner.Example."})}
    async with make_client(server, **settings) as client:
        await client.get_json("https://SOCIAL.partner.example/users/bob")
        with pytest.raises(BlockedDestination):
            await client.get_json("https://remote.example/users/alice")
        with pytest.raises(BlockedDestination):
            await client.post("https://remote.example/inbox", b"{}")
    assert server.hosts == ["social.partner.example"]


@pytest.mark.anyio
async def test_blocked_domains_and_subdomains_are_refused() -> None:
    server = Recorder()
    async with make_client(server, blocked_domains=frozenset({"remote.example"})) as client:
        for url in ("https://remote.example/a", "https://Sub.REMOTE.example./a", "https://remote.example:8443/a"):
            with pytest.raises(BlockedDestination):
                await client.get_json(url)
        assert (await client.get_json("https://other.example/a")).document == ACTOR
    assert server.hosts == ["other.example"]


@pytest.mark.anyio
async def test_web_push_exemption_skips_policy_but_not_the_ssrf_guard() -> None:
    server = Recorder(lambda request: httpx.Response(201))
    settings = {"federation_mode": "allowlist", "allowed_domains": frozenset({"partner.example"})}
    async with make_client(server, **settings) as client:
        with pytest.raises(BlockedDestination):
            await client.post("https://push.example/send/abc", b"payload")
        result = await client.post("https://push.example/send/abc", b"payload", exempt_from_federation_policy=True)
        assert result.outcome.kind == "ok"
        with pytest.raises(BlockedDestination):
            await client.post("https://evil.example/send", b"payload", exempt_from_federation_policy=True)
        with pytest.raises(BlockedDestination):
            await client.post("http://127.0.0.1/send", b"payload", exempt_from_federation_policy=True)
    assert server.hosts == ["push.example"]
