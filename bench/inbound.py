"""Inbound signed activities verified and stored per second, against the raw RSA verify rate.

Figure: activities/s that ``POST /inbox`` answers 202 and stores as
pending ``inbox_items`` rows, through the real ASGI app in-process (each request handed to the app
as uvicorn would, so no client's cost is counted; real lifespan,
middleware, SQLite on disk, no workers).
N activities are pre-signed (draft-cavage ``rsa-sha256`` with Digest, as
Mastodon sends them) from M remote actors whose keys were fetched and
stored by a warm-up request each, so the timed part is: parse, policy,
signature precheck, key lookup in SQLite, RSA verify, owner check, dedupe
insert. Baseline, in the same process: ``verify_request`` calls per second
on the same kind of request with the key already parsed.

Goal: >= 1,000 stored activities/s.

Run: /tmp/probe/bin/python bench/inbound.py [--count 3000] [--actors 20] [--concurrency 32] [--runs 3]
     [--database URL-or-path] (a PostgreSQL URL: a new database beside it, ``<name>_inbound``)
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from activitypub.signatures import (  # noqa: E402
    SignedRequest,
    generate_rsa_key,
    load_public_key_pem,
    public_key_pem,
    sign_cavage,
    verify_request,
)
from bench.common import add_database_option, backend_of, emit, fresh_database  # noqa: E402
from federation.addresses import IPAddress  # noqa: E402
from federation.http import build_http_client  # noqa: E402
from server.app import create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.http_client import outbound_settings  # noqa: E402
from storage import open_storage  # noqa: E402

BASE = "https://local.example"
COMMAND = "/tmp/probe/bin/python bench/inbound.py"
GOAL_RATE = 1000.0
HEADERS = {"Host": "local.example", "Content-Type": "application/activity+json"}


class Actors:
    """M remote actors with real keys, served by a mock transport (fetched once each, at warm-up)."""

    def __init__(self, count: int) -> None:
        self.keys = [generate_rsa_key(2048) for _ in range(count)]
        self.uris = [f"https://remote{n % 5}.example/users/actor{n}" for n in range(count)]
        self.documents = {uri: self._document(uri, key) for uri, key in zip(self.uris, self.keys)}

    @staticmethod
    def _document(uri: str, key: Any) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri, "type": "Person", "preferredUsername": uri.rsplit("/", 1)[-1], "inbox": f"{uri}/inbox",
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_key_pem(key.public_key())},
        }

    async def handler(self, request: httpx.Request) -> httpx.Response:
        document = self.documents.get(str(request.url.copy_with(fragment=None)))
        if document is None:
            return httpx.Response(404)
        return httpx.Response(200, json=document, headers={"content-type": "application/activity+json"})


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("93.184.216.34")]


def signed(actors: Actors, index: int, run: int) -> tuple[bytes, dict[str, str]]:
    n = index % len(actors.uris)
    uri = actors.uris[n]
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{uri}/likes/{run}-{index}",
                "type": "Like", "actor": uri, "object": f"https://remote0.example/notes/{index}"}
    body = json.dumps(activity).encode()
    added = sign_cavage("POST", f"{BASE}/inbox", HEADERS, body, f"{uri}#main-key", actors.keys[n])
    return body, {**HEADERS, **added}


async def post(app: Any, body: bytes, headers: dict[str, str]) -> int:
    """One POST /inbox straight into the ASGI app: what uvicorn would hand it, without a client's overhead."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "https",
        "path": "/inbox", "raw_path": b"/inbox", "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000), "server": ("local.example", 443),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # no disconnect while the app works
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def post_all(app: Any, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> None:
    queue = iter(requests)

    async def lane() -> None:
        for body, headers in queue:
            status = await post(app, body, headers)
            if status != 202:
                raise SystemExit(f"unexpected status {status}")

    await asyncio.gather(*(lane() for _ in range(concurrency)))


async def inbound_rates(
    count: int, actor_count: int, concurrency: int, runs: int, database: str | None = None
) -> list[tuple[float, float]]:
    """(stored/s, verify/s) per run; the baseline is taken right after each run, under the same load."""
    actors = Actors(actor_count)
    with tempfile.TemporaryDirectory() as folder:
        target = fresh_database(database, Path(folder), "inbound")
        env = {"INSIDEOUT_STORAGE_DATA_DIR": folder, "INSIDEOUT_STORAGE_DATABASE": target,
               "INSIDEOUT_SERVER_BASE_URL": BASE, "INSIDEOUT_LOGGING_LEVEL": "warning"}
        settings = load_settings(None, environ=env)
        storage = open_storage(settings.storage.database)
        http = build_http_client(outbound_settings(settings), transport=httpx.MockTransport(actors.handler),
                                 resolver=resolve)
        app = create_app(settings, storage, http, workers=[])
        rates = []
        async with app.router.lifespan_context(app):
            await post_all(app, [signed(actors, n, -1) for n in range(actor_count)], 1)  # keys fetched, cached
            for run in range(runs):
                requests = [signed(actors, n, run) for n in range(count)]
                before = sum((await storage.inbox.count_by_state()).values())
                started = time.perf_counter()
                await post_all(app, requests, concurrency)
                elapsed = time.perf_counter() - started
                stored = sum((await storage.inbox.count_by_state()).values()) - before
                rates.append((stored / elapsed, verify_rate(count)))
    return rates


@functools.cache
def baseline_key() -> Any:
    return generate_rsa_key(2048)


def verify_rate(count: int) -> float:
    key = baseline_key()
    public = load_public_key_pem(public_key_pem(key.public_key()))
    body = b'{"type": "Like"}'
    added = sign_cavage("POST", f"{BASE}/inbox", HEADERS, body, "https://remote.example/users/a#main-key", key)
    request = SignedRequest.build("POST", f"{BASE}/inbox", {**HEADERS, **added}, body)
    started = time.perf_counter()
    for _ in range(count):
        assert verify_request(request, public).ok
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--actors", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    add_database_option(parser)
    args = parser.parse_args()
    results = asyncio.run(inbound_rates(args.count, args.actors, args.concurrency, args.runs, args.database))
    rates = [rate for rate, _ in results]
    median = statistics.median(rates)
    ratio = statistics.median(rate / baseline for rate, baseline in results)
    print(f"inbound activities verified and stored: median {median:,.0f}/s "
          f"(runs: {', '.join(f'{r:,.0f}' for r in rates)}; {args.count} activities, {args.actors} actors, "
          f"concurrency {args.concurrency})")
    print(f"baseline, same process after each run: raw RSA-2048 verify_request "
          f"{statistics.median(b for _, b in results):,.0f}/s; median ratio {ratio:.2f}")
    print(f"goal: >= {GOAL_RATE:,.0f}/s -> {'met' if median >= GOAL_RATE else 'NOT met'}")
    print(f"command: {COMMAND} --count {args.count} --actors {args.actors} --concurrency {args.concurrency} "
          f"--runs {args.runs}")
    emit("inbound activities stored/s", median, "/s", f">= {GOAL_RATE:,.0f}/s", backend_of(args.database))


if __name__ == "__main__":
    main()
