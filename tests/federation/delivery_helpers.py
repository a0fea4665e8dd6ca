"""Shared pieces of the delivery tests: a storage, local actors with real keys,
remote actors, a fake clock, and remote inboxes that verify what they get.

The remote servers are an ``httpx.MockTransport`` handler: each request is
checked as a real inbox would (HTTP signature with the sender's public key,
Digest over the exact body bytes) before the scripted answer is given.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from activitypub.signatures import (
    DigestCheck,
    SignedRequest,
    generate_rsa_key,
    load_public_key_pem,
    parse_signature,
    private_key_pem,
    public_key_pem,
    verify_digest_header,
    verify_request,
)
from federation.addresses import IPAddress
from federation.backoff import HostHealthPolicy, RetryPolicy
from federation.delivery import DeliveryWorker
from federation.guard import ExposureGuard
from federation.http import OutboundClient, OutboundSettings, build_http_client
from federation.policy import DomainPolicy
from storage.models import Account, AccountKind, NewAccount
from storage.protocols import Storage
from storage.sqlite import SqliteStorage

BASE = "https://insideout.example"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
_KEYS: list[tuple[str, str]] = []
_remote_ids = itertools.count(10_000)


def key_pair() -> tuple[str, str]:
    """One RSA-2048 pair (public, private PEM) for the whole session: generating one takes a while."""
    if not _KEYS:
        key = generate_rsa_key(2048)
        _KEYS.append((public_key_pem(key.public_key()), private_key_pem(key)))
    return _KEYS[0]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    store = SqliteStorage(str(tmp_path / "deliveries.sqlite3"))
    await store.open()
    await store.migrate()
    try:
        yield store
    finally:
        await store.close()


class FakeClock:
    """The worker's clock; tests move time instead of waiting."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def to(self, moment: datetime) -> None:
        self.now = moment


async def local_actor(
    storage: Storage, username: str, *, exposed: bool = True, kind: AccountKind = AccountKind.EMPLOYEE
) -> Account:
    public, private = key_pair()
    account = NewAccount(kind, username, username.title(), public, private, exposed=exposed)
    return await storage.accounts.create_local(account)


def remote_actor(username: str, host: str, *, shared: bool = True) -> Account:
    return Account(
        id=next(_remote_ids),
        kind=AccountKind.REMOTE,
        username=username,
        domain=host,
        display_name=username,
        note="",
        public_note="",
        exposed=False,
        created_at=T0,
        updated_at=T0,
        public_key_pem="",
        uri=f"https://{host}/users/{username}",
        inbox_url=f"https://{host}/users/{username}/inbox",
        shared_inbox_url=f"https://{host}/inbox" if shared else None,
    )


def note_activity(actor: Account, number: int = 1, **extra: Any) -> dict[str, Any]:
    actor_uri = f"{BASE}/users/{actor.username}"
    note = f"{actor_uri}/statuses/{number}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note}/activity",
        "type": "Create",
        "actor": actor_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor_uri}/followers"],
        "object": {"id": note, "type": "Note", "attributedTo": actor_uri, "content": "<p>Hello</p>"},
        **extra,
    }


class Published:
    """Stands in for the lead's "is this a published status or media URL" lookup."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.retracted: set[str] = set()

    async def is_public(self, url: str) -> bool:
        return url in self.urls

    async def was_public(self, url: str) -> bool:
        return url in self.retracted


def guard_for(storage: Storage, published: Published) -> ExposureGuard:
    return ExposureGuard(storage, BASE, published.is_public, was_public_object=published.was_public)


Answer = Callable[[httpx.Request], httpx.Response]


@dataclass
class Inboxes:
    """Remote inboxes: verify each request, then answer from the script (default 202)."""

    public_keys: dict[str, str]
    script: list[Answer] = field(default_factory=list)
    answer: Answer = field(default=lambda request: httpx.Response(202))
    received: list[httpx.Request] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pause: float = 0.0  # seconds each answer takes, to keep requests in flight

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.pause:
            await asyncio.sleep(self.pause)
        problem = self._problem(request, body)
        if problem:
            self.rejected.append(problem)
            return httpx.Response(401, text=problem)
        self.received.append(request)
        return (self.script.pop(0) if self.script else self.answer)(request)

    def _problem(self, request: httpx.Request, body: bytes) -> str | None:
        signed = SignedRequest.build(request.method, str(request.url), request.headers.multi_items(), body)
        parsed = parse_signature(signed)
        key_id = getattr(parsed, "key_id", None)
        if key_id not in self.public_keys:
            return f"unknown key {key_id}"
        result = verify_request(signed, load_public_key_pem(self.public_keys[key_id]))
        if not result.ok:
            return f"bad signature: {result.reason} {result.detail}"
        if verify_digest_header(request.headers.get("digest", ""), body) is not DigestCheck.MATCH:
            return "digest does not cover the body"
        return None

    def bodies(self) -> list[bytes]:
        return [request.content for request in self.received]


def inboxes_for_actors(*actors: Account) -> Inboxes:
    return Inboxes({f"{BASE}/users/{actor.username}#main-key": actor.public_key_pem for actor in actors})


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("93.184.216.34")]


def client_for(inboxes: Inboxes, policy: DomainPolicy | None = None) -> OutboundClient:
    settings = OutboundSettings(user_agent="Insideout/0.1.0 (+https://insideout.example/)")
    return build_http_client(settings, transport=httpx.MockTransport(inboxes), resolver=resolve, policy=policy)


def worker_for(
    storage: Storage,
    http: OutboundClient,
    published: Published,
    clock: FakeClock,
    *,
    worker_id: str = "worker-1",
    seed: int = 7,
    **options: Any,
) -> DeliveryWorker:
    return DeliveryWorker(
        storage,
        http,
        guard_for(storage, published),
        base_url=BASE,
        worker_id=worker_id,
        clock=clock,
        retry=RetryPolicy(rng=random.Random(seed)),
        hosts=HostHealthPolicy(rng=random.Random(seed)),
        **options,
    )
