"""docs/nginx.conf, structurally: the directives Insideout depends on are in the right blocks.

The checks follow nginx's inheritance rules (`proxy_set_header` and
`add_header` are inherited only into blocks that define none of their own).
The example is also run by a real nginx: see test_nginx_live.py.
"""

from __future__ import annotations

import ipaddress
import re

import pytest

from server.config import MediaSettings, ServerSettings
from tests.server.nginx_conf import (
    PLACEHOLDER_NAME,
    ConfSyntaxError,
    Directive,
    dump,
    effective,
    effective_value,
    listen_port,
    match_location,
    parse,
    proxy_headers,
    seconds,
    server_on,
    size_bytes,
    top,
)

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
    # An empty value leaves `Connection` out, so upstream keepalive works for plain requests.
    assert entries == {"default": ["upgrade"], "": [""]}


def test_upstream_balances_several_app_servers_on_loopback(conf: list[Directive]) -> None:
    (upstream,) = top(conf, "upstream")
    assert upstream.args == ["insideout"]
    servers = upstream.find("server")
    assert len(servers) >= 2
    addresses = [server.args[0] for server in servers]
    assert len(set(addresses)) == len(addresses)
    defaults = ServerSettings.model_validate({})
    # nginx connects from loopback, which the app trusts for X-Forwarded-* by default, and each
    # app server listens on the default host with its own --port.
    trusted = [ipaddress.ip_network(net, strict=False) for net in defaults.trusted_proxies]
    for address in addresses:
        host, port = address.rsplit(":", 1)
        assert host == defaults.host and 1 <= int(port) <= 65535, address
        assert any(ipaddress.ip_address(host) in net for net in trusted)
    # Long-lived streams are spread by connection count; nginx wants the method before keepalive.
    names = [d.name for d in upstream.block or []]
    assert "least_conn" in names and "keepalive" in names
    assert names.index("least_conn") < names.index("keepalive")
    assert int(upstream.one("keepalive").args[0]) >= 1


def test_http_server_redirects_but_serves_acme_challenges(conf: list[Directive]) -> None:
    server = server_on(conf, 80)
    assert server.one("server_name").args == [PLACEHOLDER_NAME]
    assert {directive.args[0] for directive in server.find("listen")} == {"80", "[::]:80"}
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
    assert {listen_port(directive) for directive in server.find("listen")} == {443}
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
    headers = proxy_headers(chain)
    assert REQUIRED_PROXY_HEADERS.items() <= headers.items()
    # Upstream keepalive needs HTTP/1.1 and no `Connection: close` (the map sends none).
    assert effective_value(chain, "proxy_http_version") == ["1.1"]
    assert headers["connection"] == "$connection_upgrade"
    (upstream,) = top(conf, "upstream")
    assert effective_value(chain, "proxy_pass") == [f"http://{upstream.args[0]}"]
    # Responses may depend on Authorization, which the cache key ignores.
    assert effective_value(chain, "proxy_cache") in (None, ["off"])
