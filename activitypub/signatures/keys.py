"""Key material: PEM in and out, RSA generation, and the signature algorithms.

Actors publish ``publicKeyPem`` as SubjectPublicKeyInfo PEM (Mastodon,
GoToSocial, Misskey); some older software uses PKCS#1 ``RSA PUBLIC KEY``.
Both load here. Algorithm names are those of the RFC 9421 registry; the
draft-cavage verifier maps ``rsa-sha256``/``hs2019`` onto them.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from activitypub.errors import BadRequest

from .result import Reason, SignatureRejected

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | Ed25519PrivateKey
# A bare ``bytes`` key is an HMAC shared secret.
VerifyKey = PublicKey | bytes
SigningKey = PrivateKey | bytes

ALGORITHMS = frozenset(
    {"rsa-v1_5-sha256", "rsa-pss-sha512", "ecdsa-p256-sha256", "ecdsa-p384-sha384", "ed25519", "hmac-sha256"}
)
_EC_ALGORITHMS = {
    "ecdsa-p256-sha256": (ec.SECP256R1, hashes.SHA256, 32),
    "ecdsa-p384-sha384": (ec.SECP384R1, hashes.SHA384, 48),
}
_PUBLIC_TYPES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, Ed25519PublicKey)


class InvalidKey(BadRequest):
    default_message = "Unusable key"


def load_public_key_pem(pem: str | bytes) -> PublicKey:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data.strip())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(detail=f"cannot load public key: {exc}") from None
    if not isinstance(key, _PUBLIC_TYPES):
        raise InvalidKey(detail=f"unsupported public key type {type(key).__name__}")
    return key


def load_private_key_pem(pem: str | bytes, password: bytes | None = None) -> PrivateKey:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data.strip(), password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(detail=f"cannot load private key: {exc}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, Ed25519PrivateKey)):
        raise InvalidKey(detail=f"unsupported private key type {type(key).__name__}")
    return key


def public_key_pem(key: PublicKey | PrivateKey) -> str:
    """SubjectPublicKeyInfo PEM, the form actors publish as ``publicKeyPem``."""
    public = key if isinstance(key, _PUBLIC_TYPES) else key.public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_key_pem(key: PrivateKey) -> str:
    """Unencrypted PKCS#8 PEM; storage decides how to protect it at rest."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def generate_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    # 2048 bits is what Mastodon generates and what every peer accepts.
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def default_algorithm(key: VerifyKey | SigningKey) -> str:
    """The algorithm a key implies when the message does not name one."""
    if isinstance(key, bytes):
        return "hmac-sha256"
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        # The fediverse uses PKCS#1 v1.5 everywhere; PSS must be asked for.
        return "rsa-v1_5-sha256"
    if isinstance(key, (Ed25519PublicKey, Ed25519PrivateKey)):
        return "ed25519"
    curve = key.curve.name
    if curve == "secp256r1":
        return "ecdsa-p256-sha256"
    if curve == "secp384r1":
        return "ecdsa-p384-sha384"
    raise SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"no algorithm for curve {curve}")


def _mismatch(algorithm: str, key: object) -> SignatureRejected:
    return SignatureRejected(Reason.UNSUPPORTED_ALGORITHM, f"{algorithm} cannot use a {type(key).__name__}")


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


def sign_bytes(algorithm: str, key: SigningKey, data: bytes) -> bytes:
    if algorithm == "hmac-sha256" and isinstance(key, bytes):
        return hmac.new(key, data, hashlib.sha256).digest()
    if algorithm == "rsa-v1_5-sha256" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "rsa-pss-sha512" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _pss(), hashes.SHA512())
    if algorithm == "ed25519" and isinstance(key, Ed25519PrivateKey):
        return key.sign(data)
    if algorithm in _EC_ALGORITHMS and isinstance(key, ec.EllipticCurvePrivateKey):
        curve, digest, size = _EC_ALGORITHMS[algorithm]
        if not isinstance(key.curve, curve):
            raise _mismatch(algorithm, key)
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest())))
        # RFC 9421 3.3.4: the signature is r || s, not DER.
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise _mismatch(algorithm, key)


def verify_bytes(algorithm: str, key: VerifyKey, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is valid; raises only for a key/algorithm mismatch."""
    try:
        _verify(algorithm, key, data, signature)
    except InvalidSignature:
        return False
    return True


def _verify(algorithm: str, key: VerifyKey, data: bytes, signature: bytes) -> None:
    if algorithm == "hmac-sha256" and isinstance(key, bytes):
        if not hmac.compare_digest(hmac.new(key, data, hashlib.sha256).digest(), signature):
            raise InvalidSignature()
    elif algorithm == "rsa-v1_5-sha256" and isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    elif algorithm == "rsa-pss-sha512" and isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, _pss(), hashes.SHA512())
    elif algorithm == "ed25519" and isinstance(key, Ed25519PublicKey):
        key.verify(signature, data)
    elif algorithm in _EC_ALGORITHMS and isinstance(key, ec.EllipticCurvePublicKey):
        curve, digest, size = _EC_ALGORITHMS[algorithm]
        if not isinstance(key.curve, curve):
            raise _mismatch(algorithm, key)
        if len(signature) != 2 * size:
            raise InvalidSignature()
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest()))
    else:
        raise _mismatch(algorithm, key)
