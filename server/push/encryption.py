"""Web Push message encryption: RFC 8291 over the ``aes128gcm`` coding of RFC 8188.

Only the single-record case is implemented: push services accept at most
4096 bytes of body (RFC 8030 section 7.2), which always fits one record of
the 4096-byte record size every browser expects.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from activitypub.errors import InvalidInput, PayloadTooLarge

RECORD_SIZE = 4096
SALT_LENGTH = 16
AUTH_LENGTH = 16
KEY_LENGTH = 65  # uncompressed P-256 point: 0x04 || X || Y
TAG_LENGTH = 16
HEADER_LENGTH = SALT_LENGTH + 4 + 1 + KEY_LENGTH
MAX_BODY = 4096  # the least every push service must accept (RFC 8030)
# Plaintext + delimiter + tag must fit MAX_BODY after the header.
MAX_PLAINTEXT = MAX_BODY - HEADER_LENGTH - 1 - TAG_LENGTH

_LAST_RECORD = b"\x02"
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00"
_NONCE_INFO = b"Content-Encoding: nonce\x00"


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding, as subscriptions arrive both ways."""
    text = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("Invalid base64url value", detail=str(exc)) from exc


def b64url_encode(data: bytes) -> str:
    """Encode base64url without padding, the form RFC 8292 and browsers use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def load_public_key(p256dh: str | bytes) -> ec.EllipticCurvePublicKey:
    """Parse a subscription's ``p256dh``; an off-curve point is refused here, not at send time."""
    raw = b64url_decode(p256dh) if isinstance(p256dh, str) else p256dh
    if len(raw) != KEY_LENGTH or raw[0] != 0x04:
        raise InvalidInput("p256dh must be an uncompressed P-256 public key")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise InvalidInput("p256dh is not a valid P-256 public key") from exc


def load_auth_secret(auth: str | bytes) -> bytes:
    raw = b64url_decode(auth) if isinstance(auth, str) else auth
    if len(raw) != AUTH_LENGTH:
        raise InvalidInput("auth must be 16 bytes")
    return raw


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _content_keys(
    ecdh_secret: bytes, auth: bytes, ua_public: bytes, as_public: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    """Derive (CEK, nonce): RFC 8291 section 3.4 feeding RFC 8188 section 2.2."""
    ikm = _hkdf(auth, ecdh_secret, _KEY_INFO + ua_public + as_public, 32)
    return _hkdf(salt, ikm, _CEK_INFO, 16), _hkdf(salt, ikm, _NONCE_INFO, 12)


def encrypt(
    plaintext: bytes,
    p256dh: str | bytes,
    auth: str | bytes,
    *,
    salt: bytes | None = None,
    server_key: ec.EllipticCurvePrivateKey | None = None,
    padding: int = 0,
) -> bytes:
    """Encrypt ``plaintext`` for one subscription and return the request body.

    ``salt`` and ``server_key`` exist for reproducible tests only: both must
    be fresh for every message, or the same key and nonce encrypt two texts.
    """
    if padding < 0:
        raise InvalidInput("padding must not be negative")
    if len(plaintext) + padding > MAX_PLAINTEXT:
        raise PayloadTooLarge("Push payload too large", detail=f"{len(plaintext)} bytes")
    ua_key = load_public_key(p256dh)
    auth_secret = load_auth_secret(auth)
    salt = os.urandom(SALT_LENGTH) if salt is None else salt
    if len(salt) != SALT_LENGTH:
        raise InvalidInput("salt must be 16 bytes")
    server_key = ec.generate_private_key(ec.SECP256R1()) if server_key is None else server_key
    as_public = public_key_bytes(server_key.public_key())
    secret = server_key.exchange(ec.ECDH(), ua_key)
    cek, nonce = _content_keys(secret, auth_secret, public_key_bytes(ua_key), as_public, salt)
    record = plaintext + _LAST_RECORD + b"\x00" * padding
    ciphertext = AESGCM(cek).encrypt(nonce, record, None)
    header = salt + struct.pack("!IB", RECORD_SIZE, KEY_LENGTH) + as_public
    return header + ciphertext


@dataclass(frozen=True, slots=True)
class _Header:
    salt: bytes
    record_size: int
    key_id: bytes
    ciphertext: bytes


def _parse_header(body: bytes) -> _Header:
    if len(body) < HEADER_LENGTH + TAG_LENGTH + 1:
        raise InvalidInput("Encrypted body too short")
    salt = body[:SALT_LENGTH]
    record_size, id_length = struct.unpack("!IB", body[SALT_LENGTH : SALT_LENGTH + 5])
    if id_length != KEY_LENGTH:
        raise InvalidInput("keyid must be a 65-byte P-256 public key")
    ciphertext = body[HEADER_LENGTH:]
    if len(ciphertext) > record_size:
        raise InvalidInput("Multi-record bodies are not supported")
    return _Header(salt, record_size, body[SALT_LENGTH + 5 : HEADER_LENGTH], ciphertext)


def decrypt(body: bytes, ua_private_key: ec.EllipticCurvePrivateKey, auth: str | bytes) -> bytes:
    """Decrypt a body as the user agent would; the server only needs it to test itself."""
    header = _parse_header(body)
    as_key = load_public_key(header.key_id)
    ua_public = public_key_bytes(ua_private_key.public_key())
    secret = ua_private_key.exchange(ec.ECDH(), as_key)
    cek, nonce = _content_keys(secret, load_auth_secret(auth), ua_public, header.key_id, header.salt)
    try:
        record = AESGCM(cek).decrypt(nonce, header.ciphertext, None)
    except InvalidTag as exc:
        raise InvalidInput("Push message failed authentication") from exc
    unpadded = record.rstrip(b"\x00")
    if not unpadded.endswith(_LAST_RECORD):
        raise InvalidInput("Missing last-record padding delimiter")
    return unpadded[:-1]
