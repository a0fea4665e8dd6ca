"""Hostile JSON at every entry point that takes a body: never a 5xx, and the inboxes store nothing refused.

The routes are read from the app itself (every POST, PUT, PATCH and DELETE,
mounts included), so a route added later is fuzzed without touching this
file. Path parameters take plausible values: ids of a real status and real
accounts, a name, and a few ids that do not exist or do not fit. The inbox
bodies are signed by a known remote actor, so they get past the media type
and reach the JSON reader and the activity shape.

Two passes: a sweep sends a fixed set of hostile bodies to every route,
anonymously and with an admin token; then Hypothesis draws a route, a body,
a JSON media type and a caller (anonymous, staff or admin). Bodies: nesting
far past and right around the limits (32 for API parameters, 64 for the
reader), ``NaN`` and ``Infinity``, numbers that overflow, integers past
Python's digit limit, lone surrogates, NUL characters, invalid UTF-8,
truncated documents, top-level lists, strings and nulls where an object is
expected, and objects with real parameter names (or odd keys) holding
values of the wrong type, nested or very long.

The invariant, after every request: the status is below 500, and nothing is
stored in the inbox unless it is a valid activity of the signer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import BaseRoute, Mount, Route

from tests.federation.inbound_helpers import Harness, RemoteServer, fixture_actor, inbox_app, key_id_of
from tests.server.helpers import bearer, staff_token

pytestmark = pytest.mark.anyio

MASTODON = fixture_actor("mastodon/actor-person")
KEY_ID = key_id_of(MASTODON)
INBOXES = ("/inbox", "/users/company/inbox")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "application/merge-patch+json")
ACTIVITY_TYPES = ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
CALLERS = ("anonymous", "staff", "admin")
ROLES = {"staff": {"role": "staff"},
         "admin": {"role": "admin", "scopes": "read write follow push admin:read admin:write"}}  # fmt: skip
# A fresh token (or client address) before the API's rate limit of 300 per caller could answer 429.
USES_PER_CALLER = 250
# One app serves every example (the fixture is shared on purpose), and the whole file stays well under a minute.
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PARAM_NAMES = (
    "status", "media_ids", "poll", "options", "expires_in", "multiple", "in_reply_to_id", "visibility",
    "spoiler_text", "sensitive", "language", "scheduled_at", "title", "context", "keywords_attributes",
    "keyword", "whole_word", "filter_action", "account_ids", "data", "alerts", "subscription", "endpoint", "keys",
    "p256dh", "auth", "policy", "grant_type", "client_id", "client_secret", "redirect_uri", "redirect_uris",
    "scope", "scopes", "code", "token", "username", "password", "client_name", "display_name", "note",
    "fields_attributes", "locked", "discoverable", "comment", "category", "rule_ids", "status_ids", "forward",
    "home", "notifications", "last_read_id", "choices", "domain", "severity", "reason", "role", "type", "text",
    "limit", "max_id", "id", "access_token", "description", "focus", "name", "members", "_json",
    "@context", "actor", "object", "to", "cc", "tag", "attachment", "content", "inReplyTo",
)  # fmt: skip
ODD_KEYS = ("", " ", "[]", "a[b][c]", "status[]", "__proto__", "constructor", "\u0000", "ключ", "🦣", "x" * 300)
ODD_STRINGS = (
    "", " ", "\u0000", "\ufeff", "<script>alert(1)</script>", "../../etc/passwd", "https://evil.example/",
    "http://127.0.0.1/", "1", "-1", "0", "true", "null", "9" * 30, "1e400", "NaN", "2024-13-45T99:99:99Z",
    "\u202e", "🦣" * 50,
)  # fmt: skip


# --- bodies ----------------------------------------------------------------------------


def nested(depth: int, opener: bytes, closer: bytes, core: bytes = b"1") -> bytes:
    return opener * depth + core + closer * depth


nestings = st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"status":', b"}"), (b'[{"poll":', b"}]")])
deep_bodies = st.builds(
    lambda depth, pair, wrap: (wrap[0] + nested(depth, *pair) + wrap[1]),
    st.one_of(st.integers(min_value=25, max_value=70), st.integers(min_value=65, max_value=5000)),
    nestings,
    st.sampled_from([(b"", b""), (b'{"status": "x", "poll": ', b"}"), (b'{"data": {"alerts": ', b"}}")]),
)
constant_bodies = st.sampled_from([
    b"NaN", b'{"status": NaN}', b'{"limit": Infinity}', b"[-Infinity]", b'{"expires_in": 1e400}',
    b'{"id": -1e999}', b'{"limit": ' + b"9" * 5000 + b"}", b'{"status": "\\ud800"}', b'{"\\udc00": 1}',
    b'{"in_reply_to_id": 123456789012345678901234567890}', b'{"media_ids": [1e308, -0.0, 18446744073709551616]}',
])  # fmt: skip
invalid_utf8 = st.builds(
    lambda prefix, junk: b'{"status": "' + prefix + junk + b'"}',
    st.binary(max_size=20),
    st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]),
)
long_strings = st.integers(min_value=1_000, max_value=200_000).map(lambda n: "x" * n)
huge_ints = st.integers(min_value=2**63 - 2, max_value=2**80) | st.integers(min_value=-(2**80), max_value=-1)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), huge_ints, st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40), st.sampled_from(ODD_STRINGS), long_strings,
)
keys = st.sampled_from(PARAM_NAMES) | st.sampled_from(ODD_KEYS) | st.text(max_size=20)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=12
)
documents = st.dictionaries(keys, values, max_size=8) | values
json_bodies = st.builds(lambda document, ascii: json.dumps(document, ensure_ascii=ascii).encode(), documents,
                        st.booleans())  # fmt: skip
truncated = json_bodies.flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut]))
hostile_bodies = st.one_of(
    deep_bodies, constant_bodies, invalid_utf8, json_bodies, truncated, st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b'"a string"', b"42", b"true", b"{}"]),
)


def activity_like(document: Any, ascii: bool) -> bytes:
    """An activity's keys with hostile values, so the shape checks behind the reader run too."""
    base: dict[str, Any] = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
                            "id": f"{MASTODON['id']}#fuzz", "actor": MASTODON["id"], "object": "x"}  # fmt: skip
    if isinstance(document, dict):
        base.update(document)
    return json.dumps(base, ensure_ascii=ascii).encode()


path_choices = st.lists(st.integers(min_value=0, max_value=50), min_size=2, max_size=2)
activity_bodies = st.builds(
    activity_like,
    st.dictionaries(st.sampled_from(("id", "type", "actor", "object", "to", "cc", "@context", "signature")),
                    values, max_size=3),
    st.booleans(),
)  # fmt: skip


# --- the app and its routes ------------------------------------------------------------


def write_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every (method, path template) that takes a body, mounts included."""
    for route in routes:
        if isinstance(route, Mount):
            yield from write_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) & WRITE_METHODS):
                yield method, prefix + route.path


@dataclass
class World:
    harness: Harness
    routes: list[tuple[str, str]]
    path_values: list[str]
    tokens: dict[str, str] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)

    async def headers_for(self, caller: str) -> dict[str, str]:
        used = self.uses.get(caller, 0)
        self.uses[caller] = used + 1
        if caller == "anonymous":
            return {}
        if used % USES_PER_CALLER == 0:
            self.tokens[caller] = await staff_token(self.harness.app, f"{caller}{used}", **ROLES[caller])
        return bearer(self.tokens[caller])

    def client_for(self, caller: str) -> httpx.AsyncClient:
        """Anonymous callers are limited by address: each batch comes from another one."""
        batch = self.uses.get(caller, 0) // USES_PER_CALLER
        address = (f"10.9.{batch % 250}.1", 50000)
        # A failure answers 500 here rather than raising, so the sweep lists every route that fails.
        transport = httpx.ASGITransport(app=self.harness.app, client=address, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def stored(self) -> int:
        return sum((await self.harness.storage.inbox.count_by_state()).values())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    remote = RemoteServer()
    remote.serve_actor(MASTODON)
    async with inbox_app(tmp_path, remote) as harness:
        author = await staff_token(harness.app, "author")
        posted = await harness.client.post("/api/v1/statuses", headers=bearer(author), data={"status": "hello"})
        assert posted.status_code == 200, posted.text
        status = posted.json()
        company = await harness.storage.accounts.get_local("company")
        assert company is not None
        routes = [(method, path) for method, path in write_routes(harness.app.routes) if path not in INBOXES]
        path_values = [status["id"], status["account"]["id"], str(company.id), "1", "0", "-1", "9" * 25, "abc",
                       "company", "author", "block", "allow", "nobody"]  # fmt: skip
        yield World(harness, routes, path_values)


def fill(template: str, values: Sequence[str], choices: Sequence[int]) -> str:
    """The template with its n-th parameter replaced by ``values[choices[n]]`` (both wrapping around)."""
    parts = template.split("{")
    filled = parts[0]
    for number, part in enumerate(parts[1:]):
        filled += values[choices[number % len(choices)] % len(values)] + part.split("}", 1)[1]
    return filled


async def send(world: World, method: str, path: str, body: bytes, content_type: str, caller: str) -> httpx.Response:
    headers = {**await world.headers_for(caller), "Content-Type": content_type}
    async with world.client_for(caller) as client:
        return await client.request(method, path, content=body, headers=headers)


# --- the properties ------------------------------------------------------------------------


def test_the_route_walk_enters_mounts_and_keeps_only_write_methods() -> None:
    async def endpoint(request: Any) -> None: ...

    routes = [Route("/a", endpoint, methods=["POST", "GET"]),
              Mount("/m", routes=[Route("/b/{id}", endpoint, methods=["PUT", "PATCH"])])]  # fmt: skip

    assert list(write_routes(routes)) == [("POST", "/a"), ("PATCH", "/m/b/{id}"), ("PUT", "/m/b/{id}")]


async def test_every_write_route_is_found(world: World) -> None:
    paths = {path for _, path in world.routes}
    assert {"/api/v1/statuses", "/oauth/token", "/api/v1/push/subscription", "/api/v1/admin/domain_blocks",
            "/api/v1/accounts/update_credentials", "/admin/sign_in"} <= paths  # fmt: skip
    assert len(world.routes) > 100


def every_param(value: Any) -> bytes:
    return json.dumps(dict.fromkeys(PARAM_NAMES, value)).encode()


SWEEP = [
    nested(3000, b"[", b"]"), nested(3000, b'{"a":', b"}"), b'{"a": NaN}', b"[1, 2]", b"null", every_param("\u0000x"),
    every_param({"a": [None, {"b": []}]}), every_param(2**64), every_param(["x" * 5000, None]),
]  # fmt: skip
# Anonymous (the token is then looked for in the body) and the widest token; the fuzzing adds the staff one.
SWEEP_CALLERS = ("anonymous", "admin")


async def test_every_write_route_answers_hostile_json_without_a_server_error(world: World) -> None:
    # given each route the app has that takes a body, with its path filled in
    failures = []
    for body in SWEEP:
        for method, template in world.routes:
            path = fill(template, world.path_values, [0, 1])
            for caller in SWEEP_CALLERS:
                # when a hostile body arrives
                response = await send(world, method, path, body, "application/json", caller)
                # then the server refuses or ignores it, but does not fail
                if response.status_code >= 500:
                    failures.append(f"{caller} {method} {path} {body[:40]!r}: {response.text[:200]}")
    assert failures == []


async def test_every_write_route_answers_a_nul_in_a_form_body_without_a_server_error(world: World) -> None:
    # given each write route, and a form whose keys and values carry NUL (no database text column holds one)
    body = b"client_id=%00x&status=%00&display_name=a%00b&a%00=1"
    failures = []
    for method, template in world.routes:
        path = fill(template, world.path_values, [0, 1])
        for caller in SWEEP_CALLERS:
            response = await send(world, method, path, body, "application/x-www-form-urlencoded", caller)
            if response.status_code >= 500:
                failures.append(f"{caller} {method} {path}: {response.text[:200]}")
    assert failures == []


@FUZZ
@given(route=st.integers(min_value=0, max_value=10_000), choices=path_choices, body=hostile_bodies,
       content_type=st.sampled_from(JSON_TYPES), caller=st.sampled_from(CALLERS))  # fmt: skip
async def test_hostile_json_to_any_write_route_is_never_a_server_error(
    world: World, route: int, choices: list[int], body: bytes, content_type: str, caller: str
) -> None:
    # given any write route (st.data() cannot draw inside anyio's runner, hence an index), its path filled in
    method, template = world.routes[route % len(world.routes)]
    path = fill(template, world.path_values, choices)

    # when a hostile body arrives from any caller
    response = await send(world, method, path, body, content_type, caller)

    # then it is refused or ignored, never a server error
    assert response.status_code < 500, f"{method} {path}: {response.text[:300]}"


@FUZZ
@given(
    inbox=st.sampled_from(INBOXES), content_type=st.sampled_from(ACTIVITY_TYPES),
    delivery=st.one_of(hostile_bodies.map(lambda body: (body, False)), activity_bodies.map(lambda body: (body, True))),
)  # fmt: skip
async def test_hostile_json_to_the_inboxes_is_refused_and_nothing_is_stored(
    world: World, inbox: str, content_type: str, delivery: tuple[bytes, bool]
) -> None:
    # given a delivery signed by a known actor: hostile JSON, or an activity of that actor with hostile values
    body, from_the_signer = delivery
    before = await world.stored()

    # when it arrives
    response = await world.harness.post(inbox, body, KEY_ID, content_type=content_type)
    accepted = response.status_code == 202 and from_the_signer

    # then it is never a server error, and unless it is a valid activity of the signer nothing is stored
    assert response.status_code < 500, response.text[:300]
    assert accepted or await world.stored() == before
