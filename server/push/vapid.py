"""VAPID (RFC 8292): the server proves to push services which application sends.

The key pair is server-wide and long-lived: its public half is the
``vapid_key`` clients subscribe with, so replacing it silently breaks every
existing subscription. The caller stores it; this module only computes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from activitypub.errors import InvalidInput
from server.push.encryption import b64url_decode, b64url_encode, public_key_bytes

MAX_EXPIRY = 24 * 60 * 60  # RFC 8292 section 2: no more than 24 hours ahead
DEFAULT_EXPIRY = 12 * 60 * 60
_COORDINATE = 32  # bytes of a P-256 scalar or coordinate
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True, slots=True)
class VapidKeyPair:
    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> VapidKeyPair:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_private_b64(cls, value: str) -> VapidKeyPair:
        """Load the stored form: base64url of the 32-byte private scalar, as Mastodon stores it."""
        raw = b64url_decode(value)
        if len(raw) != _COORDINATE:
            raise InvalidInput("VAPID private key must be 32 bytes")
        try:
            return cls(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))
        except ValueError as exc:
            raise InvalidInput("VAPID private key is out of range") from exc

    def private_b64(self) -> str:
        scalar = self.private_key.private_numbers().private_value
        return b64url_encode(scalar.to_bytes(_COORDINATE, "big"))

    def public_b64(self) -> str:
        """The ``vapid_key`` of /api/v1/instance and of push subscription responses."""
        return b64url_encode(public_key_bytes(self.private_key.public_key()))


def endpoint_origin(endpoint: str) -> str:
    """The JWT audience: scheme, host and non-default port of the push endpoint."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidInput("Push endpoint must be an http(s) URL")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput("Push endpoint has an invalid port") from exc
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _check_contact(contact: str) -> None:
    # Push services use ``sub`` to reach the operator when the server misbehaves.
    scheme, _, rest = contact.partition(":")
    if scheme not in ("mailto", "https") or not rest.strip("/"):
        raise InvalidInput("VAPID contact must be a mailto: or https: URI")


def _segment(value: dict[str, str | int]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())


def sign_jwt(claims: dict[str, str | int], keypair: VapidKeyPair) -> str:
    """An ES256 JWS; JOSE wants the raw r||s signature, not the DER that cryptography returns."""
    signing_input = _segment({"typ": "JWT", "alg": "ES256"}) + "." + _segment(claims)
    der = keypair.private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")
    return signing_input + "." + b64url_encode(signature)


def vapid_authorization(
    endpoint: str,
    keypair: VapidKeyPair,
    contact: str,
    *,
    now: float | None = None,
    expires_in: int = DEFAULT_EXPIRY,
) -> str:
    """The ``Authorization`` header value for one request to ``endpoint``."""
    _check_contact(contact)
    if not 0 < expires_in <= MAX_EXPIRY:
        raise InvalidInput("VAPID expiry must be within 24 hours")
    issued = int(time.time() if now is None else now)
    claims: dict[str, str | int] = {"aud": endpoint_origin(endpoint), "exp": issued + expires_in, "sub": contact}
    return f"vapid t={sign_jwt(claims, keypair)}, k={keypair.public_b64()}"
