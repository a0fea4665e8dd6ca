"""Web Push delivery: a notification becomes an encrypted, VAPID-signed POST to the push service.

The push service is an ``httpx.MockTransport`` that keeps each request; the
test plays the browser, holding the subscription's private key and auth
secret, and decrypts what arrives exactly as a user agent would.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.applications import Starlette

from federation.addresses import IPAddress
from federation.http import build_http_client
from server.app import create_app
from server.config import Settings
from server.http_client import outbound_settings
from server.push import decrypt
from server.push.encryption import b64url_decode, b64url_encode, public_key_bytes
from server.services.push import PushWorker, build_push_worker
from storage import open_storage
from storage.push import PushDeliveryState
from tests.server.helpers import bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

PATH = "/api/v1/push/subscription"
SECRET = "the launch date is the 14th"
ADDRESSES = {"push.example": "93.184.216.34", "sneaky.example": "127.0.0.1"}


@dataclass
class PushService:
    """The fake push service: answers with ``statuses`` in turn (then 201) and keeps every request."""

    statuses: list[int] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 201
        headers = {"Retry-After": "30"} if status == 429 else {}
        return httpx.Response(status, headers=headers, text="" if status < 400 else "nope")


@dataclass
class Browser:
    """The user agent's half of a subscription."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self, endpoint: str, alerts: Sequence[str] = ("mention",), policy: str = "all") -> dict[str, Any]:
        keys = {"p256dh": b64url_encode(public_key_bytes(self.key.public_key())), "auth": b64url_encode(self.auth)}
        return {"subscription": {"endpoint": endpoint, "keys": keys},
                "data": {"alerts": {name: True for name in alerts}, "policy": policy}}

    def read(self, request: httpx.Request) -> dict[str, Any]:
        plaintext = decrypt(request.content, self.key, self.auth)
        document = json.loads(plaintext)
        assert isinstance(document, dict)
        return document


async def resolve(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address(ADDRESSES[host])]


def push_app(settings: Settings, service: PushService) -> Starlette:
    http = build_http_client(outbound_settings(settings), transport=httpx.MockTransport(service), resolver=resolve)
    return create_app(settings, open_storage(settings.storage.database), http, workers=())


def worker_of(app: Starlette) -> PushWorker:
    state = app.state.insideout
    return build_push_worker(state.settings, state.storage, state.http, state.presenter.avatar_static)


def verify_vapid(authorization: str, server_key: str, audience: str) -> dict[str, Any]:
    """Check the RFC 8292 header as a push service would; returns the JWT claims."""
    scheme, _, rest = authorization.partition(" ")
    params = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert scheme == "vapid" and params["k"] == server_key
    header, claims, signature = params["t"].split(".")
    raw = b64url_decode(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(server_key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    assert json.loads(b64url_decode(header)) == {"alg": "ES256", "typ": "JWT"}
    decoded = json.loads(b64url_decode(claims))
    assert decoded["aud"] == audience and decoded["sub"].startswith("mailto:")
    assert time.time() < decoded["exp"] <= time.time() + 24 * 3600
    assert isinstance(decoded, dict)
    return decoded


async def subscribe(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(PATH, headers=bearer(token), json=body)
    assert response.status_code == 200, response.text
    entity = response.json()
    assert isinstance(entity, dict)
    return entity


async def mention(client: httpx.AsyncClient, token: str, text: str) -> None:
    response = await client.post("/api/v1/statuses", headers=bearer(token), data={"status": text})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("include_content", [True, False])
async def test_a_mention_arrives_encrypted_and_signed(tmp_path: Path, include_content: bool) -> None:
    service, browser = PushService(), Browser()
    settings = settings_for(tmp_path, INSIDEOUT_PUSH_INCLUDE_CONTENT=str(include_content).lower())
    app = push_app(settings, service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        entity = await subscribe(client, alice, browser.subscription("https://push.example/wpush/v2/abc"))
        # When bob mentions alice and the worker runs
        await mention(client, bob, f"@alice {SECRET}")
        assert await worker_of(app).run_once() == 1
        # Then one request reached the push service, as RFC 8030/8291/8292 want it
        [request] = service.requests
        assert str(request.url) == "https://push.example/wpush/v2/abc"
        assert request.headers["content-encoding"] == "aes128gcm" and int(request.headers["ttl"]) > 0
        verify_vapid(request.headers["authorization"], entity["server_key"], "https://push.example")
        # And the browser decrypts Mastodon's payload
        payload = browser.read(request)
        notifications = (await client.get("/api/v1/notifications", headers=bearer(alice))).json()
        assert payload["notification_id"] == notifications[0]["id"]
        assert payload["notification_type"] == "mention" and payload["title"] == "bob mentioned you"
        assert set(payload) == {"access_token", "preferred_locale", "notification_id", "notification_type",
                                "icon", "title", "body"}
        # And the token is never in it: only its digest is stored, so there is none to send (docs/client-compatibility.md)
        assert payload["access_token"] == ""
        assert alice not in json.dumps(payload)
        if include_content:
            assert SECRET in payload["body"]
        else:
            assert payload["body"] == "You have a new mention"
            assert "launch" not in json.dumps(payload).lower()
        assert await worker_of(app).run_once() == 0


async def test_alerts_and_policy_decide_what_is_queued(tmp_path: Path) -> None:
    service, browser = PushService(), Browser()
    app = push_app(settings_for(tmp_path), service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        # Favourites are off: a favourite pushes nothing
        await subscribe(client, alice, browser.subscription("https://push.example/a", alerts=("mention",)))
        status = (await client.post("/api/v1/statuses", headers=bearer(alice), data={"status": "mine"})).json()
        await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bearer(bob))
        assert await worker_of(app).run_once() == 0
        # Only accounts alice follows: bob's mention pushes nothing
        await client.put(PATH, headers=bearer(alice), json={"data": {"policy": "followed"}})
        await mention(client, bob, "@alice hello")
        assert await worker_of(app).run_once() == 0
        assert service.requests == []


@pytest.mark.parametrize("status", [404, 410])
async def test_a_gone_subscription_is_deleted(tmp_path: Path, status: int) -> None:
    service, browser = PushService(statuses=[status]), Browser()
    app = push_app(settings_for(tmp_path), service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await subscribe(client, alice, browser.subscription("https://push.example/old"))
        await mention(client, bob, "@alice one")
        assert await worker_of(app).run_once() == 1
        assert (await client.get(PATH, headers=bearer(alice))).status_code == 404
        await mention(client, bob, "@alice two")
        assert await worker_of(app).run_once() == 0
        assert len(service.requests) == 1


async def test_busy_push_services_are_retried_later(tmp_path: Path) -> None:
    service, browser = PushService(statuses=[429]), Browser()
    app = push_app(settings_for(tmp_path), service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await subscribe(client, alice, browser.subscription("https://push.example/busy"))
        await mention(client, bob, "@alice one")
        assert await worker_of(app).run_once() == 1
        storage = app.state.insideout.storage
        notification_id = int((await client.get("/api/v1/notifications", headers=bearer(alice))).json()[0]["id"])
        [delivery] = await storage.push.deliveries_for(notification_id)
        assert delivery.state is PushDeliveryState.PENDING and delivery.attempts == 1
        assert delivery.last_status == 429 and delivery.next_attempt_at > delivery.created_at
        # Not due yet: the next cycle leaves it alone; the subscription stays
        assert await worker_of(app).run_once() == 0
        assert (await client.get(PATH, headers=bearer(alice))).status_code == 200


async def test_a_name_resolving_to_a_private_address_is_never_contacted(tmp_path: Path) -> None:
    service, browser = PushService(), Browser()
    app = push_app(settings_for(tmp_path), service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await subscribe(client, alice, browser.subscription("https://sneaky.example/push"))
        await mention(client, bob, "@alice hi")
        assert await worker_of(app).run_once() == 1
        assert service.requests == []
        notification_id = int((await client.get("/api/v1/notifications", headers=bearer(alice))).json()[0]["id"])
        [delivery] = await app.state.insideout.storage.push.deliveries_for(notification_id)
        assert delivery.state is PushDeliveryState.FAILED and "BlockedDestination" in (delivery.last_error or "")


async def test_push_services_are_exempt_from_the_federation_allowlist(tmp_path: Path) -> None:
    service, browser = PushService(), Browser()
    settings = settings_for(tmp_path, INSIDEOUT_FEDERATION_MODE="allowlist",
                            INSIDEOUT_FEDERATION_ALLOWED_DOMAINS='["partner.example"]')
    app = push_app(settings, service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await subscribe(client, alice, browser.subscription("https://push.example/x"))
        await mention(client, bob, "@alice hi")
        assert await worker_of(app).run_once() == 1
        assert len(service.requests) == 1


async def test_a_revoked_tokens_subscription_is_silent(tmp_path: Path) -> None:
    from server.mastodon.auth import digest_token

    service, browser = PushService(), Browser()
    app = push_app(settings_for(tmp_path), service)
    async with serving(app) as client:
        alice, bob = await staff_token(app, "alice"), await staff_token(app, "bob")
        await subscribe(client, alice, browser.subscription("https://push.example/x"))
        await app.state.insideout.storage.tokens.revoke_access_token(digest_token(alice))
        await mention(client, bob, "@alice hi")
        assert await worker_of(app).run_once() == 0
        assert service.requests == []
