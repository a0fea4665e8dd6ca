"""Shared pieces of the inbound tests: a fake remote fediverse, keys, signed POSTs and a real app.

The remote servers are one ``httpx.MockTransport`` handler serving documents
by URL (real fixtures from tests/fixtures/remote, with our generated
public keys swapped in) and recording every request, so a test can assert
what was fetched and what was not. Our own code runs for real: the app, its
lifespan, storage on a temporary SQLite file and the SSRF-guarded client.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from activitypub.content import sanitize_plain, sanitize_remote_html
from activitypub.signatures import (
    SignedRequest,
    content_digest_header,
    generate_rsa_key,
    public_key_pem,
    sign_cavage,
    sign_rfc9421,
)
from federation.actors import ProfileSanitizer, RemoteActors
from federation.addresses import IPAddress
from federation.guard import ExposureGuard
from federation.http import OutboundClient, build_http_client
from federation.inbox import InboxWorker
from server.activitypub.inbound import inbound_for
from server.app import create_app
from server.config import Settings
from server.http_client import outbound_settings
from server.services.inbox_intake import fanout_deliver, inbox_worker
from storage import open_storage
from storage.protocols import Storage
from tests.fixtures_path import REMOTE_FIXTURES as FIXTURES
from tests.server.helpers import serving, settings_for

BASE_URL = "https://local.example"
LOCAL_HOST = "local.example"
ACTIVITY_JSON = "application/activity+json"
PRIVATE_HOSTS = frozenset({"evil.example", "internal.example"})
SANITIZER = ProfileSanitizer(name=sanitize_plain, note=sanitize_remote_html)


@functools.cache
def key(n: int = 0) -> rsa.RSAPrivateKey:
    """A few RSA keys for the whole session: generating one takes a while."""
    return generate_rsa_key(2048)


def pem(n: int = 0) -> str:
    return public_key_pem(key(n).public_key())


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every remote name is public, except the few that point into our own network."""
    address = "10.0.0.7" if host in PRIVATE_HOSTS else "93.184.216.34"
    return [ipaddress.ip_address(address)]


def load_fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def fixture_actor(name: str, key_number: int = 0) -> dict[str, Any]:
    """A real actor document with our public key in place of theirs."""
    document = load_fixture(name)
    document["publicKey"] = {**document["publicKey"], "publicKeyPem": pem(key_number)}
    return document


def plain_actor(uri: str, key_number: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri,
        "type": "Person",
        "preferredUsername": uri.rstrip("/").rsplit("/", 1)[-1],
        "inbox": f"{uri}/inbox",
        "endpoints": {"sharedInbox": f"{uri.split('/users/')[0]}/inbox"},
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": pem(key_number)},
        **extra,
    }


def follow_activity(actor: str, target: str, *, n: int = 1, activity_id: str | None = None) -> dict[str, Any]:
    """A Follow as Mastodon sends it; its id is the actor's unless ``activity_id`` says otherwise."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activity_id or f"{actor}#follows/{n}",
        "type": "Follow",
        "actor": actor,
        "object": target,
    }


def key_id_of(actor: Mapping[str, Any]) -> str:
    key_id: str = actor["publicKey"]["id"]
    return key_id


class RemoteServer:
    """The rest of the fediverse: documents by URL, an optional status per URL, and a request log."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[httpx.Request] = []

    def serve(self, url: str, document: Any, *, status: int = 200) -> None:
        self.documents[urldefrag(url).url] = copy.deepcopy(document)
        self.statuses[urldefrag(url).url] = status

    def serve_actor(self, document: Mapping[str, Any]) -> None:
        self.serve(document["id"], document)

    @property
    def fetched(self) -> list[str]:
        return [str(request.url) for request in self.requests]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url.copy_with(fragment=None))
        if url not in self.documents:
            return httpx.Response(404, json={"error": "not found"})
        status = self.statuses.get(url, 200)
        return httpx.Response(status, json=self.documents[url], headers={"content-type": ACTIVITY_JSON})


def remote_client(settings: Settings, remote: RemoteServer) -> OutboundClient:
    return build_http_client(outbound_settings(settings), transport=httpx.MockTransport(remote), resolver=resolve)


def remote_actors(storage: Storage, settings: Settings, remote: RemoteServer) -> RemoteActors:
    """A resolver that signs nothing: for tests of the resolver alone."""
    return RemoteActors(storage, remote_client(settings, remote), None, sanitize=SANITIZER)


def body_of(activity: Mapping[str, Any]) -> bytes:
    return json.dumps(activity).encode()


def signed_headers(
    path: str,
    body: bytes,
    key_id: str,
    key_number: int = 0,
    *,
    now: float | None = None,
    content_type: str = ACTIVITY_JSON,
    method: str = "POST",
) -> dict[str, str]:
    """Headers as Mastodon sends them: draft-cavage over (request-target), host, date, digest, content-type."""
    headers = {"Host": LOCAL_HOST, "Content-Type": content_type}
    added = sign_cavage(method, BASE_URL + path, headers, body, key_id, key(key_number), now=now)
    return {**headers, **added}


def rfc9421_headers(path: str, body: bytes, key_id: str, key_number: int = 0) -> dict[str, str]:
    headers = {"Host": LOCAL_HOST, "Content-Type": ACTIVITY_JSON, "Content-Digest": content_digest_header(body)}
    request = SignedRequest.build("POST", BASE_URL + path, headers, body)
    added = sign_rfc9421(
        request, ["@method", "@target-uri", "content-digest", "content-type"], key(key_number), key_id=key_id,
        now=time.time(),
    )
    return {**headers, **added}


@dataclass
class Harness:
    app: Starlette
    client: httpx.AsyncClient
    storage: Storage
    settings: Settings
    remote: RemoteServer

    async def post(
        self, path: str, activity: Mapping[str, Any] | bytes, key_id: str, key_number: int = 0, **kwargs: Any
    ) -> httpx.Response:
        body = activity if isinstance(activity, bytes) else body_of(activity)
        headers = signed_headers(path, body, key_id, key_number, **kwargs)
        return await self.client.post(path, content=body, headers=headers)

    def worker(self) -> InboxWorker:
        guard = ExposureGuard(self.storage, BASE_URL, _never_public)
        deliver = fanout_deliver(self.storage, guard)
        return inbox_worker(self.settings, self.storage, inbound_for(self.app), deliver=deliver)


async def _never_public(uri: str) -> bool:
    return False


@asynccontextmanager
async def inbox_app(tmp_path: Path, remote: RemoteServer, **environ: str) -> AsyncIterator[Harness]:
    """The real app on a fresh database, its outbound client wired to ``remote``."""
    settings = settings_for(tmp_path, INSIDEOUT_SERVER_BASE_URL=BASE_URL, **environ)
    storage = open_storage(settings.storage.database)
    app = create_app(settings, storage, remote_client(settings, remote), workers=())
    async with serving(app) as client:
        yield Harness(app, client, storage, settings, remote)
