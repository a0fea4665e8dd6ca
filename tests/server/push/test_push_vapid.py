"""VAPID headers verified the way a push service would verify them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from activitypub.errors import InvalidInput
from server.push import (
    DEFAULT_TTL,
    VapidKeyPair,
    build_push_request,
    decrypt,
    endpoint_origin,
    notification_payload,
    vapid_authorization,
)
from server.push.encryption import b64url_decode, b64url_encode, public_key_bytes

NOW = 1_700_000_000
ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABc"


def _verify_jwt(token: str, public_b64: str) -> dict[str, object]:
    header_b64, claims_b64, signature_b64 = token.split(".")
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64  # raw r||s, not DER
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_b64))
    key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    claims: dict[str, object] = json.loads(b64url_decode(claims_b64))
    return claims


def _parse_authorization(value: str) -> tuple[str, str]:
    scheme, _, params = value.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert set(fields) == {"t", "k"}
    return fields["t"], fields["k"]


def test_keypair_round_trips_through_storage_form() -> None:
    keypair = VapidKeyPair.generate()
    public = b64url_decode(keypair.public_b64())
    assert len(public) == 65 and public[0] == 4
    assert len(b64url_decode(keypair.private_b64())) == 32
    assert VapidKeyPair.from_private_b64(keypair.private_b64()).public_b64() == keypair.public_b64()


def test_bad_stored_private_key_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        VapidKeyPair.from_private_b64(b64url_encode(b"\x00" * 32))
    with pytest.raises(InvalidInput):
        VapidKeyPair.from_private_b64(b64url_encode(b"\x01" * 31))


def test_authorization_header_verifies() -> None:
    keypair = VapidKeyPair.generate()
    value = vapid_authorization(ENDPOINT, keypair, "mailto:admin@example.org", now=NOW)
    token, key = _parse_authorization(value)
    assert key == keypair.public_b64()
    claims = _verify_jwt(token, key)
    assert claims == {
        "aud": "https://updates.push.services.mozilla.com",
        "exp": NOW + 12 * 3600,
        "sub": "mailto:admin@example.org",
    }


def test_expiry_is_capped_at_24_hours() -> None:
    keypair = VapidKeyPair.generate()
    vapid_authorization(ENDPOINT, keypair, "https://example.org/", now=NOW, expires_in=86400)
    with pytest.raises(InvalidInput):
        vapid_authorization(ENDPOINT, keypair, "https://example.org/", now=NOW, expires_in=86401)


@pytest.mark.parametrize("contact", ["", "admin@example.org", "http://example.org", "mailto:"])
def test_contact_must_be_mailto_or_https(contact: str) -> None:
    with pytest.raises(InvalidInput):
        vapid_authorization(ENDPOINT, VapidKeyPair.generate(), contact, now=NOW)


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", "https://fcm.googleapis.com"),
        ("https://Push.Example:443/x?y=1", "https://push.example"),
        ("https://push.example:8443/x", "https://push.example:8443"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
    ],
)
def test_endpoint_origin(endpoint: str, origin: str) -> None:
    assert endpoint_origin(endpoint) == origin


@pytest.mark.parametrize("endpoint", ["ftp://push.example/x", "https:///x", "push.example/x", "https://h:99999/"])
def test_bad_endpoint_is_invalid_input(endpoint: str) -> None:
    with pytest.raises(InvalidInput):
        endpoint_origin(endpoint)


def test_build_push_request_headers_and_body() -> None:
    keypair = VapidKeyPair.generate()
    ua_key = ec.generate_private_key(ec.SECP256R1())
    p256dh = b64url_encode(public_key_bytes(ua_key.public_key()))
    auth = b64url_encode(b"sixteen byte key")
    payload = json.dumps(
        notification_payload("tok", "en", 42, "mention", "https://x/icon.png", "Alice mentioned you", "hi")
    ).encode()
    headers, body = build_push_request(
        ENDPOINT, p256dh, auth, payload, keypair, "mailto:a@b.example", 3600, "high", now=NOW
    )
    assert headers["Content-Encoding"] == "aes128gcm"
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["TTL"] == "3600"
    assert headers["Urgency"] == "high"
    token, key = _parse_authorization(headers["Authorization"])
    assert _verify_jwt(token, key)["aud"] == "https://updates.push.services.mozilla.com"
    assert json.loads(decrypt(body, ua_key, auth)) == json.loads(payload)


def test_build_push_request_defaults_and_validation() -> None:
    keypair = VapidKeyPair.generate()
    p256dh = b64url_encode(public_key_bytes(ec.generate_private_key(ec.SECP256R1()).public_key()))
    auth = b64url_encode(b"sixteen byte key")
    headers, _ = build_push_request(ENDPOINT, p256dh, auth, b"{}", keypair, "mailto:a@b.example")
    assert headers["TTL"] == str(DEFAULT_TTL) and headers["Urgency"] == "normal"
    with pytest.raises(InvalidInput):
        build_push_request(ENDPOINT, p256dh, auth, b"{}", keypair, "mailto:a@b.example", -1)
    with pytest.raises(InvalidInput):
        urgency: Any = "urgent"
        build_push_request(ENDPOINT, p256dh, auth, b"{}", keypair, "mailto:a@b.example", 60, urgency)


def test_notification_payload_matches_mastodon_shape() -> None:
    payload = notification_payload("tok", "de", 7, "favourite", "https://i/a.png", "Bob favourited", "x" * 200)
    assert list(payload) == [
        "access_token",
        "preferred_locale",
        "notification_id",
        "notification_type",
        "icon",
        "title",
        "body",
    ]
    assert payload["notification_id"] == 7
    assert len(payload["body"]) == 140 and payload["body"].endswith("...")
    assert notification_payload("t", "en", "1", "follow", "i", "t", "short")["body"] == "short"
