"""docs/nginx.conf: structural checks, then the example itself run by a real nginx.

The first half parses the example with a small nginx-config parser (defined
below) and checks that the directives Insideout depends on are present in the
right blocks, taking nginx's inheritance rules into account (`proxy_set_header`
and `add_header` are inherited only into blocks that define none of their own).

The second half rewrites only the deployment-specific parts of the example
(ports, certificate paths, upstream address, server_name, ACME webroot), runs
it under the nginx binary in the foreground and proxies to a small Starlette
app served by uvicorn on loopback. It is skipped only when no nginx binary is
installed (Debian package: `nginx`).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
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

from server.config import MediaSettings, ServerSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"
PUBLIC_NAME = "social.example.test"
PLACEHOLDER_NAME = "example.com"
TIMEOUT = 10.0  # seconds; upper bound for any single network step

# ---------------------------------------------------------------------------
# A tiny nginx configuration parser
# ---------------------------------------------------------------------------


class ConfSyntaxError(ValueError):
    pass


@dataclass
class Directive:
    name: str
    raw_name: str
    args: list[str]  # values with quotes and escapes resolved
    raw_args: list[str]  # the tokens as written, for faithful re-serialisation
    line: int = field(compare=False)
    block: list[Directive] | None = None

    def find(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]

    def one(self, name: str) -> Directive:
        found = self.find(name)
        assert len(found) == 1, f"expected exactly one {name!r} in {self.describe()}, found {len(found)}"
        return found[0]

    def describe(self) -> str:
        return f"{self.name} {' '.join(self.raw_args)} (line {self.line})".replace("  ", " ")


@dataclass
class Token:
    kind: str  # "word", "{", "}", ";"
    value: str
    raw: str
    line: int


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def tokenize(text: str) -> Iterator[Token]:
    i, line, n = 0, 1, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
            i += 1
        elif char.isspace():
            i += 1
        elif char == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif char in "{};":
            yield Token(char, char, char, line)
            i += 1
        elif char in "\"'":
            start, start_line, value = i, line, []
            i += 1
            while True:
                if i >= n:
                    raise ConfSyntaxError(f"unterminated {char} string starting on line {start_line}")
                current = text[i]
                if current == char:
                    break
                if current == "\\" and i + 1 < n:
                    escaped = text[i + 1]
                    value.append(_ESCAPES.get(escaped, escaped if escaped in "\"'\\" else "\\" + escaped))
                    i += 2
                    continue
                if current == "\n":
                    line += 1
                value.append(current)
                i += 1
            i += 1
            yield Token("word", "".join(value), text[start:i], start_line)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in ";{}":
                if text.startswith("${", i):  # ${var} is part of the word, not a block
                    close = text.find("}", i)
                    if close < 0:
                        raise ConfSyntaxError(f"unterminated ${{ on line {line}")
                    i = close + 1
                elif text[i] == "\\" and i + 1 < n:
                    i += 2
                else:
                    i += 1
            yield Token("word", text[start:i], text[start:i], line)


def parse(text: str) -> list[Directive]:
    tokens = tokenize(text)

    def parse_block(depth: int) -> list[Directive]:
        directives: list[Directive] = []
        words: list[Token] = []
        for token in tokens:
            if token.kind == "word":
                words.append(token)
                continue
            if token.kind == "}":
                if words:
                    raise ConfSyntaxError(f"missing ';' after {words[0].value!r} on line {words[0].line}")
                if depth == 0:
                    raise ConfSyntaxError(f"unexpected '}}' on line {token.line}")
                return directives
            if not words:
                raise ConfSyntaxError(f"unexpected {token.value!r} on line {token.line}")
            directive = Directive(
                name=words[0].value,
                raw_name=words[0].raw,
                args=[word.value for word in words[1:]],
                raw_args=[word.raw for word in words[1:]],
                line=words[0].line,
            )
            if token.kind == "{":
                directive.block = parse_block(depth + 1)
            directives.append(directive)
            words = []
        if words:
            raise ConfSyntaxError(f"unexpected end of file after {words[0].value!r}")
        if depth:
            raise ConfSyntaxError("unexpected end of file: unbalanced '{'")
        return directives

    return parse_block(0)


def dump(directives: list[Directive], indent: int = 0) -> str:
    pad = "  " * indent
    out: list[str] = []
    for directive in directives:
        head = " ".join([directive.raw_name, *directive.raw_args])
        if directive.block is None:
            out.append(f"{pad}{head};")
        else:
            out.append(f"{pad}{head} {{")
            out.append(dump(directive.block, indent + 1))
            out.append(f"{pad}}}")
    return "\n".join(line for line in out if line)


# --- helpers over the parsed tree ------------------------------------------

_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TIME_UNITS = {"ms": 0.001, "": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}


def size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"not an nginx size: {value!r}"
    return int(match[1]) * _SIZE_UNITS[match[2].lower()]


def seconds(value: str) -> float:
    total = 0.0
    parts = re.findall(r"(\d+)(ms|[smhdwMy]?)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not an nginx time: {value!r}"
    for number, unit in parts:
        total += int(number) * _TIME_UNITS[unit]
    return total


def top(directives: list[Directive], name: str) -> list[Directive]:
    return [d for d in directives if d.name == name]


def listen_port(listen: Directive) -> int:
    return int(listen.args[0].rsplit(":", 1)[-1])


def server_on(conf: list[Directive], port: int) -> Directive:
    servers = [s for s in top(conf, "server") if any(listen_port(l) == port for l in s.find("listen"))]
    assert len(servers) == 1, f"expected one server block listening on {port}, found {len(servers)}"
    return servers[0]


def match_location(server: Directive, uri: str) -> Directive:
    """nginx's location selection (exact, longest prefix, ^~, then regexes in order)."""
    exact, prefixes, regexes = None, [], []
    for location in server.find("location"):
        if len(location.args) == 1:
            prefixes.append((location.args[0], False, location))
        elif location.args[0] == "=":
            if location.args[1] == uri:
                exact = location
        elif location.args[0] == "^~":
            prefixes.append((location.args[1], True, location))
        elif location.args[0] in ("~", "~*"):
            flags = re.IGNORECASE if location.args[0] == "~*" else 0
            regexes.append((re.compile(location.args[1], flags), location))
    if exact is not None:
        return exact
    candidates = [p for p in prefixes if uri.startswith(p[0])]
    best = max(candidates, key=lambda p: len(p[0]), default=None)
    if best is not None and best[1]:
        return best[2]
    for pattern, location in regexes:
        if pattern.search(uri):
            return location
    assert best is not None, f"no location matches {uri}"
    return best[2]


def effective(chain: list[Directive], name: str) -> list[Directive]:
    """Directives named `name` in force in the innermost block of `chain`.

    Like nginx, the innermost block that defines any wins outright; outer
    definitions are not merged in (this is what makes a lone proxy_set_header
    in a location silently drop all the server-level ones).
    """
    for block in reversed(chain):
        found = block.find(name)
        if found:
            return found
    return []


def effective_value(chain: list[Directive], name: str) -> list[str] | None:
    found = effective(chain, name)
    return found[-1].args if found else None


def proxy_headers(chain: list[Directive]) -> dict[str, str]:
    return {d.args[0].lower(): d.args[1] for d in effective(chain, "proxy_set_header")}


@pytest.fixture(scope="module")
def conf() -> list[Directive]:
    return parse(EXAMPLE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# The parser itself
# ---------------------------------------------------------------------------


def test_parser_handles_comments_quotes_and_nesting() -> None:
    text = """
    # a comment { ; }
    map $a $b { default x; '' "y;{}"; }   # trailing comment
    server {
      add_header X-Test "a \\"quoted\\" value" always;
      location ^~ /p { return 200 '${x}'; }
      set $v ${host}x;
    }
    """
    parsed = parse(text)
    assert [d.name for d in parsed] == ["map", "server"]
    assert parsed[0].block is not None
    assert [(d.name, d.args) for d in parsed[0].block] == [("default", ["x"]), ("", ["y;{}"])]
    server = parsed[1]
    assert server.one("add_header").args == ["X-Test", 'a "quoted" value', "always"]
    assert server.one("location").args == ["^~", "/p"]
    assert server.one("set").args == ["$v", "${host}x"]
    assert parse(dump(parsed)) == parsed  # re-serialisation round-trips


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("server { listen 80; ", "unbalanced"),
        ("listen 80; }", "unexpected '}'"),
        ("server { listen 80 }", "missing ';'"),
        ('add_header X "open;', "unterminated"),
        ("listen 80", "end of file"),
        ("; listen 80;", "unexpected ';'"),
    ],
)
def test_parser_rejects_malformed_input(text: str, message: str) -> None:
    with pytest.raises(ConfSyntaxError, match=re.escape(message)):
        parse(text)


# ---------------------------------------------------------------------------
# Structure of docs/nginx.conf
# ---------------------------------------------------------------------------


def test_example_is_a_site_file_for_the_http_context(conf: list[Directive]) -> None:
    names = {d.name for d in conf}
    assert names <= {"map", "upstream", "server", "proxy_cache_path", "limit_req_zone"}, names
    assert {"map", "upstream", "server"} <= names


def test_upgrade_map(conf: list[Directive]) -> None:
    (upgrade_map,) = [m for m in top(conf, "map") if m.args == ["$http_upgrade", "$connection_upgrade"]]
    entries = {d.name: d.args for d in upgrade_map.block or []}
    assert entries == {"default": ["upgrade"], "": ["close"]}


def test_upstream_points_at_the_default_listen_address(conf: list[Directive]) -> None:
    (upstream,) = top(conf, "upstream")
    servers = upstream.find("server")
    assert len(servers) == 1
    defaults = ServerSettings.model_validate({})
    assert servers[0].args[0] == f"{defaults.host}:{defaults.port}"
    # nginx connects from loopback, which the app trusts for X-Forwarded-* by default.
    trusted = [ipaddress.ip_network(net, strict=False) for net in defaults.trusted_proxies]
    assert any(ipaddress.ip_address(defaults.host) in net for net in trusted)


def test_http_server_redirects_but_serves_acme_challenges(conf: list[Directive]) -> None:
    server = server_on(conf, 80)
    assert server.one("server_name").args == [PLACEHOLDER_NAME]
    assert {l.args[0] for l in server.find("listen")} == {"80", "[::]:80"}
    acme = match_location(server, "/.well-known/acme-challenge/token")
    assert acme.args[-1] == "/.well-known/acme-challenge/"
    assert not acme.find("return") and not acme.find("proxy_pass")
    other = match_location(server, "/users/alice")
    assert other.one("return").args == ["301", "https://$host$request_uri"]


def test_tls_server(conf: list[Directive]) -> None:
    server = server_on(conf, 443)
    assert server.one("server_name").args == [PLACEHOLDER_NAME]
    for listen in server.find("listen"):
        assert "ssl" in listen.args, listen.describe()
    assert {listen_port(l) for l in server.find("listen")} == {443}
    assert server.one("ssl_certificate").args[0].startswith("/")
    assert server.one("ssl_certificate_key").args[0].startswith("/")
    assert server.one("ssl_protocols").args == ["TLSv1.2", "TLSv1.3"]
    hsts = [h for h in server.find("add_header") if h.args[0].lower() == "strict-transport-security"]
    assert len(hsts) == 1
    max_age = re.search(r"max-age=(\d+)", hsts[0].args[1])
    assert max_age and int(max_age[1]) >= 31536000
    assert hsts[0].args[-1] == "always"


def test_every_tls_location_keeps_hsts(conf: list[Directive]) -> None:
    server = server_on(conf, 443)
    for location in server.find("location"):
        headers = [h.args[0].lower() for h in effective([server, location], "add_header")]
        assert "strict-transport-security" in headers, location.describe()


def test_body_size_fits_the_media_limit(conf: list[Directive]) -> None:
    server = server_on(conf, 443)
    limit = size_bytes(server.one("client_max_body_size").args[0])
    assert limit >= MediaSettings.model_validate({}).max_image_bytes + 1024 * 1024  # room for multipart overhead
    for location in server.find("location"):
        assert effective_value([server, location], "client_max_body_size") == [f"{limit // 1024**2}m"]


def test_gzip_covers_json_and_activitypub(conf: list[Directive]) -> None:
    server = server_on(conf, 443)
    assert server.one("gzip").args == ["on"]
    types = set(server.one("gzip_types").args)
    assert {"application/json", "application/activity+json", "application/ld+json"} <= types
    assert "text/event-stream" not in types  # compression would buffer the stream


REQUIRED_PROXY_HEADERS = {
    "host": "$host",
    "x-real-ip": "$remote_addr",
    "x-forwarded-for": "$proxy_add_x_forwarded_for",
    "x-forwarded-proto": "$scheme",
}


@pytest.mark.parametrize("uri", ["/api/v1/streaming", "/api/v1/streaming/public", "/api/v1/streaming/user"])
def test_streaming_location(conf: list[Directive], uri: str) -> None:
    server = server_on(conf, 443)
    location = match_location(server, uri)
    chain = [server, location]
    headers = proxy_headers(chain)
    assert REQUIRED_PROXY_HEADERS.items() <= headers.items()
    assert headers["upgrade"] == "$http_upgrade"
    assert headers["connection"] == "$connection_upgrade"
    assert effective_value(chain, "proxy_http_version") == ["1.1"]
    assert effective_value(chain, "proxy_buffering") == ["off"]
    assert effective_value(chain, "proxy_cache") == ["off"]
    read_timeout = effective_value(chain, "proxy_read_timeout")
    assert read_timeout is not None and seconds(read_timeout[0]) >= 600
    (upstream,) = top(conf, "upstream")
    assert effective_value(chain, "proxy_pass") == [f"http://{upstream.args[0]}"]


@pytest.mark.parametrize(
    "uri", ["/", "/api/v1/timelines/home", "/api/v2/media", "/users/alice/inbox", "/.well-known/webfinger"]
)
def test_general_location(conf: list[Directive], uri: str) -> None:
    server = server_on(conf, 443)
    location = match_location(server, uri)
    assert location is not match_location(server, "/api/v1/streaming/public")
    chain = [server, location]
    assert REQUIRED_PROXY_HEADERS.items() <= proxy_headers(chain).items()
    (upstream,) = top(conf, "upstream")
    assert effective_value(chain, "proxy_pass") == [f"http://{upstream.args[0]}"]
    # Responses may depend on Authorization, which the cache key ignores.
    assert effective_value(chain, "proxy_cache") in (None, ["off"])


# ---------------------------------------------------------------------------
# The example run by a real nginx in front of a real ASGI app
# ---------------------------------------------------------------------------

RELEASES: dict[str, threading.Event] = {}


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]],
            "path": request.url.path,
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
    now = datetime.datetime.now(datetime.timezone.utc)
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
    conf: list[Directive], ports: dict[int, int], app_port: int, cert: Path, key: Path, webroot: Path
) -> list[Directive]:
    """Change only what differs between a deployment and this test run."""
    rewritten = parse(dump(conf))  # deep copy
    for upstream in top(rewritten, "upstream"):
        for server in upstream.find("server"):
            server.args[0] = server.raw_args[0] = f"127.0.0.1:{app_port}"
    replacements = {"ssl_certificate": str(cert), "ssl_certificate_key": str(key)}
    for server in top(rewritten, "server"):
        assert server.block is not None
        server.block = [l for l in server.block if not (l.name == "listen" and l.args[0].startswith("["))]
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


@pytest.fixture(scope="module")
def app_port() -> Iterator[int]:
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
    thread = threading.Thread(target=server.run, name="uvicorn-nginx-test", daemon=True)
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
def stack(conf: list[Directive], app_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
    site = dump(rewrite_for_test(conf, ports, app_port, cert, key, webroot), indent=1)
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
    assert header_values(seen, "connection") == ["close"]


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
