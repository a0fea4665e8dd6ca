"""docs/nginx.conf run by a real nginx in front of a real ASGI app on loopback.

Only the deployment-specific parts of the example are rewritten (ports,
certificate paths, upstream addresses, server_name, ACME webroot); nginx runs
in the foreground and proxies to a small Starlette app, served by one uvicorn
per upstream `server` line as in the scale-out layout.
Skipped only when no nginx binary is installed (Debian package: `nginx`).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest
import uvicorn
import websockets.sync.client
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from tests.server.nginx_conf import (
    PUBLIC_NAME,
    TIMEOUT,
    Directive,
    dump,
    listen_port,
    parse,
    top,
)

# ---------------------------------------------------------------------------
# The example run by a real nginx in front of a real ASGI app
# ---------------------------------------------------------------------------

RELEASES: dict[str, threading.Event] = {}


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
            "path": request.url.path,
            # Which upstream answered, and over which of nginx's connections to it.
            "upstream_port": request.scope["server"][1],
            "connection_port": request.scope["client"][1],
        }
    )


async def activity(request: Request) -> Response:
    document = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Note", "content": "x" * 2000}
    return Response(json.dumps(document), media_type="application/activity+json")


async def upload(request: Request) -> Response:
    length = 0
    async for chunk in request.stream():
        length += len(chunk)
    return JSONResponse({"length": length})


async def public_stream(request: Request) -> Response:
    token = request.query_params["token"]
    release = RELEASES.setdefault(token, threading.Event())

    async def events() -> AsyncIterator[bytes]:
        yield b"event: update\ndata: " + json.dumps({"n": 1}).encode() + b"\n\n"
        # Block until the client confirms it has read event 1 (bounded).
        released = await anyio.to_thread.run_sync(release.wait, TIMEOUT / 2)
        yield b"event: update\ndata: " + json.dumps({"n": 2, "released": released}).encode() + b"\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def websocket_stream(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"headers": [[k.decode(), v.decode()] for k, v in websocket.scope["headers"]]})
    message = await websocket.receive_text()
    await websocket.send_text(f"echo:{message}")
    await websocket.close()


proxied_app = Starlette(
    routes=[
        Route("/api/v1/streaming/public", public_stream),
        WebSocketRoute("/api/v1/streaming", websocket_stream),
        Route("/api/v2/media", upload, methods=["POST"]),
        Route("/users/alice/outbox", activity),
        Route("/{path:path}", echo, methods=["GET", "POST"]),
    ]
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, alive: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"process serving port {port} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {TIMEOUT}s")


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def make_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(PUBLIC_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Stack:
    http_port: int
    https_port: int
    ssl_context: ssl.SSLContext
    acme_token: str
    root: Path

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def client(self) -> httpx.Client:
        return httpx.Client(verify=self.ssl_context, timeout=TIMEOUT, headers={"Host": PUBLIC_NAME})


def rewrite_for_test(
    conf: list[Directive], ports: dict[int, int], app_ports: list[int], cert: Path, key: Path, webroot: Path
) -> list[Directive]:
    """Change only what differs between a deployment and this test run."""
    rewritten = parse(dump(conf))  # deep copy
    for upstream in top(rewritten, "upstream"):
        servers = upstream.find("server")
        assert len(servers) == len(app_ports), "one test app per upstream server"
        for server, app_port in zip(servers, app_ports):
            server.args[0] = server.raw_args[0] = f"127.0.0.1:{app_port}"
    replacements = {"ssl_certificate": str(cert), "ssl_certificate_key": str(key)}
    for server in top(rewritten, "server"):
        assert server.block is not None
        server.block = [d for d in server.block if not (d.name == "listen" and d.args[0].startswith("["))]
        for directive in server.block:
            if directive.name == "listen":
                address = f"127.0.0.1:{ports[listen_port(directive)]}"
                directive.args[0] = directive.raw_args[0] = address
            elif directive.name == "server_name":
                directive.args = [PUBLIC_NAME]
                directive.raw_args = [PUBLIC_NAME]
            elif directive.name in replacements:
                directive.args = [replacements[directive.name]]
                directive.raw_args = [json.dumps(replacements[directive.name])]
        for location in server.find("location"):
            for root in location.find("root"):
                root.args = [str(webroot)]
                root.raw_args = [json.dumps(str(webroot))]
    return rewritten


def main_config(tmp: Path, site: str) -> str:
    temp_paths = "\n".join(
        f"  {kind}_temp_path {tmp / 'temp' / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the 0700 tmp dirs
    return (
        f"{user}worker_processes 1;\n"
        f"pid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} info;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        f"  access_log {tmp / 'access.log'};\n"
        f"{temp_paths}\n"
        "  default_type application/octet-stream;\n"
        f"{site}\n"
        "}\n"
    )


@contextmanager
def serving_app() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        proxied_app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        proxy_headers=False,  # echo the forwarding headers exactly as nginx sent them
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-nginx-test-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield port
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "uvicorn did not shut down"


@pytest.fixture(scope="module")
def app_ports(conf: list[Directive]) -> Iterator[list[int]]:
    """One app server per upstream `server` line, as the scale-out layout runs them."""
    (upstream,) = top(conf, "upstream")
    with ExitStack() as servers:
        yield [servers.enter_context(serving_app()) for _ in upstream.find("server")]


@pytest.fixture(scope="module")
def stack(conf: list[Directive], app_ports: list[int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    binary = nginx_binary()
    if binary is None:
        pytest.skip("no nginx binary on PATH or at /usr/sbin/nginx (Debian: apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / "temp" / kind).mkdir(parents=True)
    cert, key = make_certificate(tmp)
    webroot = tmp / "acme"
    token = uuid.uuid4().hex
    (webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
    (webroot / ".well-known" / "acme-challenge" / token).write_text(f"{token}.thumbprint")

    ports = {80: free_port(), 443: free_port()}
    site = dump(rewrite_for_test(conf, ports, app_ports, cert, key, webroot), indent=1)
    conf_path = tmp / "nginx.conf"
    conf_path.write_text(main_config(tmp, site))
    command = [binary, "-p", str(tmp), "-c", str(conf_path), "-e", str(tmp / "error.log")]

    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=TIMEOUT)
    assert check.returncode == 0, f"nginx -t rejected the example:\n{check.stderr}\n{conf_path.read_text()}"

    log = (tmp / "nginx.stderr").open("wb")
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(ports[443], alive=lambda: process.poll() is None)
        wait_for_port(ports[80], alive=lambda: process.poll() is None)
        context = ssl.create_default_context(cafile=str(cert))
        yield Stack(ports[80], ports[443], context, token, tmp)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(TIMEOUT)
        log.close()


def header_values(payload: dict[str, object], name: str) -> list[str]:
    headers = payload["headers"]
    assert isinstance(headers, list)
    return [value for key, value in headers if key == name]


def test_proxy_passes_public_host_scheme_and_client_address(stack: Stack) -> None:
    with stack.client() as client:
        response = client.get(
            f"{stack.https}/api/v1/instance",
            headers={"X-Forwarded-For": "203.0.113.7", "Proxy": "http://evil.example:1"},
        )
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")
    seen = response.json()
    assert header_values(seen, "host") == [PUBLIC_NAME]
    assert header_values(seen, "x-forwarded-proto") == ["https"]
    assert header_values(seen, "x-real-ip") == ["127.0.0.1"]
    # nginx appends the peer; the app takes the rightmost untrusted entry.
    assert header_values(seen, "x-forwarded-for") == ["203.0.113.7, 127.0.0.1"]
    assert header_values(seen, "proxy") == []
    # No `Connection: close`: nginx may keep the upstream connection for the next request.
    assert header_values(seen, "connection") == []


def test_requests_are_spread_over_every_upstream_on_kept_alive_connections(
    stack: Stack, app_ports: list[int]
) -> None:
    assert len(app_ports) >= 2
    with stack.client() as client:
        answers = [client.get(f"{stack.https}/api/v1/timelines/home").json() for _ in range(4 * len(app_ports))]
    assert {answer["upstream_port"] for answer in answers} == set(app_ports)
    connections = {(answer["upstream_port"], answer["connection_port"]) for answer in answers}
    assert len(connections) < len(answers), "every request opened a new upstream connection"


def test_http_redirects_to_https(stack: Stack) -> None:
    with httpx.Client(timeout=TIMEOUT, headers={"Host": PUBLIC_NAME}) as client:
        response = client.get(f"{stack.http}/users/alice?page=2")
    assert response.status_code == 301
    assert response.headers["location"] == f"https://{PUBLIC_NAME}/users/alice?page=2"


def test_acme_challenge_is_served_over_plain_http(stack: Stack) -> None:
    with httpx.Client(timeout=TIMEOUT, headers={"Host": PUBLIC_NAME}) as client:
        response = client.get(f"{stack.http}/.well-known/acme-challenge/{stack.acme_token}")
    assert response.status_code == 200
    assert response.text == f"{stack.acme_token}.thumbprint"


def test_activitypub_json_is_gzipped(stack: Stack) -> None:
    with stack.client() as client:
        response = client.get(f"{stack.https}/users/alice/outbox", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/activity+json")
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(response.content)["type"] == "Note"  # httpx decoded it


def test_media_upload_limits(stack: Stack) -> None:
    with stack.client() as client:
        accepted = client.post(f"{stack.https}/api/v2/media", content=b"\0" * (20 * 1024 * 1024))
        assert accepted.status_code == 200
        assert accepted.json() == {"length": 20 * 1024 * 1024}
    with stack.client() as client:
        try:
            rejected = client.post(f"{stack.https}/api/v2/media", content=b"\0" * (50 * 1024 * 1024))
        except httpx.TransportError as exc:  # pragma: no cover - depends on TCP timing
            pytest.fail(f"nginx closed the connection instead of answering 413: {exc!r}")
        assert rejected.status_code == 413


def test_server_sent_events_are_not_buffered(stack: Stack) -> None:
    token = uuid.uuid4().hex
    events: list[dict[str, object]] = []
    data: list[str] = []
    with stack.client() as client:
        with client.stream("GET", f"{stack.https}/api/v1/streaming/public", params={"token": token}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data:"):
                    data.append(line[len("data:") :].strip())
                elif line == "" and data:
                    events.append(json.loads("\n".join(data)))
                    data = []
                    if len(events) == 1:
                        # Only now may the app send event 2. A buffering proxy would
                        # hold event 1 back, the app would give up waiting, and
                        # event 2 would report released=False.
                        RELEASES.setdefault(token, threading.Event()).set()
                    if len(events) == 2:
                        break
    assert events == [{"n": 1}, {"n": 2, "released": True}]


def test_websocket_upgrade_through_proxy(stack: Stack) -> None:
    uri = f"wss://127.0.0.1:{stack.https_port}/api/v1/streaming?stream=public"
    with websockets.sync.client.connect(
        uri, ssl=stack.ssl_context, open_timeout=TIMEOUT, close_timeout=TIMEOUT
    ) as connection:
        seen = json.loads(connection.recv(timeout=TIMEOUT))
        assert header_values(seen, "x-forwarded-proto") == ["https"]
        assert header_values(seen, "upgrade") == ["websocket"]
        assert header_values(seen, "connection") == ["upgrade"]
        connection.send("hello")
        assert connection.recv(timeout=TIMEOUT) == "echo:hello"
