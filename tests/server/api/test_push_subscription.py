"""``/api/v1/push/subscription``: create, read, change and delete, with Mastodon's validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.encryption import b64url_encode, public_key_bytes
from tests.server.api.stream_helpers import account_id, token_for
from tests.server.helpers import app_for, bearer, serving, settings_for, staff_token

pytestmark = pytest.mark.anyio

PATH = "/api/v1/push/subscription"
P256DH = b64url_encode(public_key_bytes(ec.generate_private_key(ec.SECP256R1()).public_key()))
AUTH = b64url_encode(os.urandom(16))


def form(endpoint: str = "https://push.example/send/abc", p256dh: str = P256DH, auth: str = AUTH,
         **extra: str) -> dict[str, str]:
    return {"subscription[endpoint]": endpoint, "subscription[keys][p256dh]": p256dh,
            "subscription[keys][auth]": auth, **extra}


async def test_subscription_lifecycle(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        assert (await client.get(PATH, headers=alice)).status_code == 404
        # When a client subscribes with two alerts on
        created = await client.post(PATH, headers=alice, data=form(**{
            "data[alerts][mention]": "true", "data[alerts][admin.sign_up]": "1", "data[alerts][favourite]": "false",
            "data[policy]": "follower", "subscription[standard]": "true"}))
        assert created.status_code == 200, created.text
        entity = created.json()
        # Then the entity is Mastodon's, with the instance's VAPID key
        vapid = (await client.get("/api/v2/instance")).json()["configuration"]["vapid"]["public_key"]
        assert isinstance(entity["id"], str) and entity["server_key"] == vapid
        assert entity["endpoint"] == "https://push.example/send/abc" and entity["standard"] is True
        assert entity["policy"] == "follower"
        assert {k for k, v in entity["alerts"].items() if v} == {"mention", "admin.sign_up"}
        assert set(entity["alerts"]) >= {"mention", "status", "reblog", "follow", "follow_request", "favourite",
                                         "poll", "update", "admin.sign_up", "admin.report"}
        assert (await client.get(PATH, headers=alice)).json() == entity
        # When it changes alerts and policy
        changed = await client.put(PATH, headers=alice, json={"data": {"alerts": {"favourite": True}, "policy": "all"}})
        assert changed.status_code == 200
        assert {k for k, v in changed.json()["alerts"].items() if v} == {"favourite"}
        assert changed.json()["policy"] == "all" and changed.json()["id"] == entity["id"]
        # When only the policy changes, the alerts stay
        kept = await client.put(PATH, headers=alice, data={"data[policy]": "none"})
        assert kept.json()["policy"] == "none" and kept.json()["alerts"]["favourite"] is True
        # A new subscription for the same token replaces the old one
        replaced = await client.post(PATH, headers=alice, json={"subscription": {
            "endpoint": "https://push.example/send/def", "keys": {"p256dh": P256DH, "auth": AUTH}}})
        assert replaced.status_code == 200 and replaced.json()["id"] != entity["id"]
        assert replaced.json()["policy"] == "all" and not any(replaced.json()["alerts"].values())
        # Deleting answers {} and leaves nothing
        deleted = await client.delete(PATH, headers=alice)
        assert deleted.status_code == 200 and deleted.json() == {}
        assert (await client.get(PATH, headers=alice)).status_code == 404
        assert (await client.put(PATH, headers=alice, data={"data[policy]": "all"})).status_code == 404


async def test_each_token_has_its_own_subscription(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        phone = bearer(await staff_token(app, "alice"))
        laptop = bearer(await token_for(app, await account_id(app, "alice"), "push"))
        await client.post(PATH, headers=phone, data=form("https://push.example/phone"))
        assert (await client.get(PATH, headers=laptop)).status_code == 404
        await client.post(PATH, headers=laptop, data=form("https://push.example/laptop"))
        assert (await client.get(PATH, headers=phone)).json()["endpoint"] == "https://push.example/phone"


async def test_scope_and_staff_token_are_required(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        await staff_token(app, "alice")
        read_only = bearer(await token_for(app, await account_id(app, "alice"), "read write"))
        app_only = bearer(await token_for(app, None, "push"))
        assert (await client.post(PATH, data=form())).status_code == 401
        assert (await client.post(PATH, headers=app_only, data=form())).status_code == 401
        for method in ("GET", "POST", "PUT", "DELETE"):
            response = await client.request(method, PATH, headers=read_only)
            assert response.status_code == 403, method


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({}, 400, "param is missing or the value is empty: subscription"),
        (form(endpoint=""), 422, "Validation failed: Endpoint can't be blank"),
        (form(endpoint="http://push.example/x"), 422, "Validation failed: Endpoint must be an https URL"),
        (form(endpoint="ftp://push.example/x"), 422, "Validation failed: Endpoint must be an https URL"),
        (form(endpoint="https://user:pw@push.example/x"), 422, "Validation failed: Endpoint must be an https URL"),
        (form(endpoint="https://127.0.0.1/push"), 422, "Validation failed: Endpoint must not be a private address"),
        (form(endpoint="https://[::1]:8443/push"), 422, "Validation failed: Endpoint must not be a private address"),
        (form(endpoint="https://10.1.2.3/push"), 422, "Validation failed: Endpoint must not be a private address"),
        (form(p256dh=""), 422, "Validation failed: Keys can't be blank"),
        (form(p256dh=b64url_encode(b"\x04" + b"\x01" * 64)), 422, None),
        (form(auth=b64url_encode(b"short")), 422, None),
        (form(**{"data[policy]": "everyone"}), 422, "Validation failed: Policy is not included in the list"),
    ],
)
async def test_invalid_subscriptions_are_refused(
    tmp_path: Path, fields: dict[str, str], status: int, message: str | None
) -> None:
    app = app_for(settings_for(tmp_path))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        response = await client.post(PATH, headers=alice, data=fields)
        assert response.status_code == status, response.text
        if message is not None:
            assert response.json() == {"error": message}
        else:
            assert response.json()["error"].startswith("Validation failed: Keys are invalid")
        assert (await client.get(PATH, headers=alice)).status_code == 404


async def test_plain_http_and_private_hosts_are_allowed_only_where_private_addresses_are(tmp_path: Path) -> None:
    app = app_for(settings_for(tmp_path, INSIDEOUT_FEDERATION_ALLOW_PRIVATE_ADDRESSES="true"))
    async with serving(app) as client:
        alice = bearer(await staff_token(app, "alice"))
        response = await client.post(PATH, headers=alice, data=form(endpoint="http://127.0.0.1:9999/push"))
        assert response.status_code == 200 and response.json()["endpoint"] == "http://127.0.0.1:9999/push"
