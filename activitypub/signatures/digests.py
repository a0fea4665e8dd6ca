"""Body digests: the draft-era ``Digest`` header and RFC 9530 ``Content-Digest``.

Mastodon, Pleroma/Akkoma, Misskey and GoToSocial sign ``Digest: SHA-256=``;
RFC 9421 senders (Fedify, Mastodon 4.4+) use ``Content-Digest``. Only
SHA-256 and SHA-512 are accepted: RFC 9530 deprecates the rest as insecure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from enum import Enum

from .structured import Item, StructuredFieldError, parse_dictionary, serialize_dictionary

_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}


class DigestCheck(Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNSUPPORTED = "unsupported"
    MALFORMED = "malformed"


def _hash(algorithm: str, body: bytes) -> bytes:
    return hashlib.new(_ALGORITHMS[algorithm], body).digest()


def digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """``Digest`` value as Mastodon sends it: ``SHA-256=<base64>``."""
    encoded = base64.b64encode(_hash(algorithm, body)).decode("ascii")
    return f"{algorithm.upper()}={encoded}"


def verify_digest_header(value: str, body: bytes) -> DigestCheck:
    """Check a ``Digest`` header (RFC 3230 instance digests) against ``body``.

    Algorithm names are matched case-insensitively because Fedify sends
    ``sha-256=`` while Mastodon sends ``SHA-256=``. Every supported entry
    present must match, so an attacker cannot pair a good SHA-512 with a
    forged SHA-256.
    """
    checked = False
    for entry in value.split(","):
        name, sep, encoded = entry.strip().partition("=")
        if not sep:
            return DigestCheck.MALFORMED
        algorithm = name.strip().lower()
        if algorithm not in _ALGORITHMS:
            continue
        try:
            given = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            return DigestCheck.MALFORMED
        if not hmac.compare_digest(given, _hash(algorithm, body)):
            return DigestCheck.MISMATCH
        checked = True
    return DigestCheck.MATCH if checked else DigestCheck.UNSUPPORTED


def content_digest_header(body: bytes, algorithms: Iterable[str] = ("sha-256",)) -> str:
    """RFC 9530 ``Content-Digest`` value, e.g. ``sha-256=:<base64>:``."""
    members = {name: Item(_hash(name, body)) for name in algorithms}
    if not members:
        raise ValueError("at least one digest algorithm is needed")
    return serialize_dictionary(dict(members))


def verify_content_digest(value: str, body: bytes) -> DigestCheck:
    """Check an RFC 9530 ``Content-Digest`` (or ``Repr-Digest``) against ``body``."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError:
        return DigestCheck.MALFORMED
    checked = False
    for name, member in members.items():
        if name not in _ALGORITHMS:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            return DigestCheck.MALFORMED
        if not hmac.compare_digest(member.value, _hash(name, body)):
            return DigestCheck.MISMATCH
        checked = True
    return DigestCheck.MATCH if checked else DigestCheck.UNSUPPORTED
